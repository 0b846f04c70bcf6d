"""The map of the communes: GeoJSON boundaries projected into an SVG, shaded by neighbourhood count."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .package import SiteError, read_json

#: Sequential fills, light to dark (ColorBrewer "Blues", 5 classes); each class's label text is dark
#: on a white halo, so it reads on every fill.
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
WIDTH = 800.0  # width of the drawing area in SVG user units
MARGIN = 12.0
LEGEND_HEIGHT = 64.0
LABEL_SIZE = 14.0  # font size of the commune labels
LABEL_CHAR_WIDTH = 0.62 * LABEL_SIZE  # generous average advance of a bold sans-serif character


@dataclass(frozen=True)
class Commune:
    """One commune as the map shows it."""

    code: str
    name: str
    count: int
    polygons: list[list[list[tuple[float, float]]]]  # lon/lat: each polygon its outer ring, then holes


@dataclass(frozen=True)
class Shade:
    """One class of the legend: the counts it covers and its fill."""

    low: int
    high: int
    fill: str

    @property
    def label(self) -> str:
        span = str(self.low) if self.low == self.high else f"{self.low} à {self.high}"
        return f"{span} quartier{'s' if self.high > 1 else ''}"


def read_communes(geojson: Path, names: dict[str, str], counts: dict[str, int]) -> list[Commune]:
    """The communes of ``names`` (code -> name), with their boundaries from ``geojson``.

    Every commune must have exactly one feature (property ``code``); features of other communes are
    ignored. Names come from ``names``, never from the GeoJSON.
    """
    collection = read_json(geojson)
    features: dict[str, dict] = {}
    for feature in collection.get("features", []):
        code = str((feature.get("properties") or {}).get("code", ""))
        if code in names:
            if code in features:
                raise SiteError(f"{geojson}: two features have the code {code}")
            features[code] = feature
    missing = sorted(set(names) - set(features))
    if missing:
        raise SiteError(f"{geojson}: no boundary for the commune(s) {', '.join(missing)}")
    return [Commune(code, names[code], counts.get(code, 0), _polygons(features[code], geojson))
            for code in sorted(names)]


def shades(counts: list[int]) -> list[Shade]:
    """Legend classes: one per distinct count, or contiguous groups of counts when there are more
    distinct counts than fills."""
    values = sorted(set(counts))
    if not values:
        return []
    groups = max(1, math.ceil(len(values) / len(PALETTE)))
    chunks = [values[i:i + groups] for i in range(0, len(values), groups)]
    offset = len(PALETTE) - len(chunks)
    return [Shade(chunk[0], chunk[-1], PALETTE[offset + index]) for index, chunk in enumerate(chunks)]


def map_svg(communes: list[Commune], *, standalone: bool) -> str:
    """The map as SVG: one labelled ``<g class="commune">`` per commune and a legend.

    ``standalone`` adds the XML namespace for an ``.svg`` file; inline, the page's text alternative
    (the table of counts) follows the map, and the SVG is one image for assistive technologies.
    """
    if not communes:
        raise SiteError("no commune to draw")
    points = [point for commune in communes for polygon in commune.polygons for ring in polygon for point in ring]
    lon_min, lon_max = min(p[0] for p in points), max(p[0] for p in points)
    lat_min, lat_max = min(p[1] for p in points), max(p[1] for p in points)
    kx = math.cos(math.radians((lat_min + lat_max) / 2))  # equirectangular, true to scale at mid-latitude
    scale = (WIDTH - 2 * MARGIN) / ((lon_max - lon_min) * kx)
    map_height = (lat_max - lat_min) * scale

    def project(lon: float, lat: float) -> tuple[float, float]:
        return MARGIN + (lon - lon_min) * kx * scale, MARGIN + (lat_max - lat) * scale

    legend = shades([commune.count for commune in communes])
    height = map_height + 2 * MARGIN + LEGEND_HEIGHT
    title = "Carte des communes du contrat de ville"
    desc = (f"{len(communes)} communes, chacune ombrée selon son nombre de quartiers prioritaires "
            f"(de {min(c.count for c in communes)} à {max(c.count for c in communes)})"
            + ("." if standalone else " ; le tableau qui suit la carte donne les mêmes nombres."))
    # A file gets its namespace and a size (an <img> of it, in a README, then has one).
    namespace = (f' xmlns="http://www.w3.org/2000/svg" width="{_n(WIDTH)}" height="{_n(height)}"'
                 if standalone else "")
    lines = [
        f'<svg{namespace} class="carte" viewBox="0 0 {_n(WIDTH)} {_n(height)}" role="img" '
        f'aria-labelledby="carte-titre carte-desc" font-family="system-ui, sans-serif">',
        f'<title id="carte-titre">{escape(title)}</title>',
        f'<desc id="carte-desc">{escape(desc)}</desc>',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
    ]
    placed: list[tuple[float, float, float, float]] = []
    labels: list[str] = []
    shapes: list[str] = []
    anchors: list[tuple[float, str, Commune, tuple[float, float]]] = []
    parts: list[tuple[Commune, tuple[float, float]]] = []
    for commune in communes:
        fill = next(shade.fill for shade in legend if shade.low <= commune.count <= shade.high)
        polygons = [[[project(lon, lat) for lon, lat in ring] for ring in polygon] for polygon in commune.polygons]
        path = " ".join("M" + " ".join(f"{_n(x)},{_n(y)}" for x, y in ring) + "Z"
                        for polygon in polygons for ring in polygon)
        plural = "s" if commune.count > 1 else ""
        shapes.append(f'<g class="commune" data-code="{escape(commune.code)}" data-count="{commune.count}">'
                      f'<title>{escape(commune.name)} : {commune.count} quartier{plural} prioritaire{plural}</title>'
                      f'<path d="{path}" fill="{fill}" stroke="#1f2937" stroke-width="1" '
                      f'stroke-linejoin="round" fill-rule="evenodd"/></g>')
        outer = sorted((polygon[0] for polygon in polygons), key=lambda ring: -abs(_area(ring)))
        anchors.append((abs(_area(outer[0])), commune.code, commune, _label_point(outer[0])))
        # A detached part at least a quarter the size of the main one is named too (not counted twice).
        parts.extend((commune, _label_point(ring)) for ring in outer[1:]
                     if abs(_area(ring)) >= abs(_area(outer[0])) / 4)
    for _, _, commune, anchor in sorted(anchors, key=lambda item: item[:2]):  # small communes first
        text = f"{commune.name} ({commune.count})"
        x, y = _place(text, anchor, placed, WIDTH, map_height + 2 * MARGIN)
        if (x, y) != anchor:
            labels.append(f'<line x1="{_n(anchor[0])}" y1="{_n(anchor[1])}" x2="{_n(x)}" y2="{_n(y)}" '
                          'stroke="#111827" stroke-width="1"/>'
                          f'<circle cx="{_n(anchor[0])}" cy="{_n(anchor[1])}" r="2.5" fill="#111827"/>')
        labels.append(f'<text class="etiquette" x="{_n(x)}" y="{_n(y)}" data-code="{escape(commune.code)}">'
                      f'{escape(text)}</text>')
    for commune, anchor in parts:
        x, y = _place(commune.name, anchor, placed, WIDTH, map_height + 2 * MARGIN)
        labels.append(f'<text class="etiquette-partie" x="{_n(x)}" y="{_n(y)}" font-style="italic" '
                      f'font-weight="400" data-code="{escape(commune.code)}">{escape(commune.name)}</text>')
    lines.extend(shapes)
    lines.append(f'<g font-size="{_n(LABEL_SIZE)}" font-weight="600" fill="#111827" text-anchor="middle" '
                 'dominant-baseline="middle" stroke="#ffffff" stroke-width="3" paint-order="stroke" '
                 'stroke-linejoin="round">')
    lines.extend(labels)
    lines.append("</g>")
    lines.extend(_legend(legend, map_height + 2 * MARGIN))
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def _legend(legend: list[Shade], top: float) -> list[str]:
    lines = [f'<g class="legende" font-size="15" fill="#111827" transform="translate({_n(MARGIN)} {_n(top)})">',
             '<text x="0" y="14" font-weight="600">Quartiers prioritaires par commune</text>']
    for index, shade in enumerate(legend):
        x = index * 155.0
        lines.append(f'<rect x="{_n(x)}" y="26" width="24" height="18" fill="{shade.fill}" '
                     f'stroke="#1f2937" stroke-width="1"/>')
        lines.append(f'<text x="{_n(x + 30)}" y="41">{escape(shade.label)}</text>')
    lines.append("</g>")
    return lines


def _place(text: str, anchor: tuple[float, float], placed: list, width: float, height: float
           ) -> tuple[float, float]:
    """Where a label centred near ``anchor`` overlaps no label already placed (appended to ``placed``):
    the anchor itself, else the nearest free spot on a grid around it, inside the drawing."""
    half_w, half_h = len(text) * LABEL_CHAR_WIDTH / 2 + 2, LABEL_SIZE / 2 + 2
    ax, ay = anchor
    spots = sorted(((ax + dx, ay + dy) for dx in (0, -40, 40, -80, 80, -120, 120)
                    for dy in (0, -18, 18, -36, 36, -54, 54)),
                   key=lambda spot: (math.hypot(spot[0] - ax, spot[1] - ay), spot))
    for x, y in spots:
        x = min(max(x, half_w + 1), width - half_w - 1)
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        if box[1] >= 0 and box[3] <= height and not any(_overlap(box, other) for other in placed):
            placed.append(box)
            return (x, y) if (x, y) != anchor else anchor
    placed.append((ax - half_w, ay - half_h, ax + half_w, ay + half_h))
    return anchor


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _polygons(feature: dict, geojson: Path) -> list[list[list[tuple[float, float]]]]:
    geometry = feature.get("geometry") or {}
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else None
    if not polygons or not isinstance(polygons, list):
        raise SiteError(f"{geojson}: feature {feature.get('properties')} is not a Polygon or MultiPolygon")
    try:
        return [[[(float(lon), float(lat)) for lon, lat, *_ in ring] for ring in polygon] for polygon in polygons]
    except (TypeError, ValueError):
        raise SiteError(f"{geojson}: feature {feature.get('properties')} has malformed coordinates") from None


def _area(ring: list[tuple[float, float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1])) / 2


def _label_point(ring: list[tuple[float, float]]) -> tuple[float, float]:
    """The area centroid of a ring (inside for the compact shapes of communes)."""
    area = _area(ring)
    if area == 0:
        return ring[0]
    pairs = list(zip(ring, ring[1:] + ring[:1]))
    cx = sum((x0 + x1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in pairs) / (6 * area)
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in pairs) / (6 * area)
    return cx, cy


def _n(value: float) -> str:
    """A coordinate with one decimal, the same text on every platform."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text
