"""The communes' boundaries as an RFC 7946 GeoJSON FeatureCollection, one feature per commune.

Source: ``raw/communes.geojson``, the 11 communes extracted unchanged from the Loire communes file of
the public ``france-geojson`` project (commit 5d34ee6 of 2018-10-16,
``departements/42-loire/communes-42-loire.geojson``: its 11 features are equal, geometry and
properties, to those of that file). That project converts IGN's ADMIN EXPRESS COG,
2018 edition (names and codes: INSEE COG 2018), with mapshaper, simplified (Visvalingam weighted,
25 %) and rounded to 5 decimals (about 1 m): good for maps and bounding boxes, not for surveying.
Licence: Licence Ouverte (ADMIN EXPRESS terms). Coordinates are WGS 84 longitude, latitude.

What this module changes: each feature keeps only the commune's ``commune_code``, its ``name`` as
the ``communes`` table gives it (the source's ``nom`` omits leading articles) and its
``neighbourhood_count``; rings are rewound to RFC 7946's right-hand rule (exterior rings
counterclockwise, holes clockwise: the source's run clockwise), which reverses the order of their
positions and changes none. No ``crs`` member (RFC 7946 has none). No GeoParquet: writing it well takes
geopandas, pyproj and GDAL (about 150 MB), for 11 shapes that GeoJSON already carries.

No boundaries of the priority neighbourhoods (QPV contours) are published: no available source
gives them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

MEDIATYPE = "application/geo+json"
#: Where the boundaries are read from, as problems name it.
SOURCE_LABEL = "raw/communes.geojson"
_GEOMETRIES = ("Polygon", "MultiPolygon")


def read_boundaries(path: Path) -> dict:
    """The source FeatureCollection; ProblemsFound when the file is missing or not UTF-8 JSON."""
    from .problems import Problem, ProblemsFound

    try:
        return json.loads(Path(path).read_bytes().decode("utf-8"))
    except FileNotFoundError:
        message, hint = "file not found", "copy the communes' boundaries file into raw/"
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        message, hint = f"not UTF-8 JSON: {err}", "restore the file from its source"
    raise ProblemsFound([Problem("boundary", message, file=SOURCE_LABEL, hint=hint)])


def neighbourhood_counts(links: pd.DataFrame) -> dict[str, int]:
    """Neighbourhoods per commune code, from the ``neighbourhood_communes`` table."""
    counts = links.groupby(links["commune_code"].astype(str)).size()
    return {str(code): int(count) for code, count in counts.items()}


def commune_features(geojson: dict, communes: pd.DataFrame, counts: dict[str, int]) -> dict:
    """One feature per row of ``communes``, sorted by code, with its boundary from ``geojson``.

    ``counts`` gives the neighbourhoods of each commune code (a code it lacks counts 0). Raises
    ProblemsFound when the source is not a FeatureCollection of (Multi)Polygons keyed by a
    ``code`` property, repeats a code, holds a code the ``communes`` table lacks, or lacks one it has.
    """
    from .problems import Problem, ProblemsFound

    problems: list[Problem] = []
    boundaries = _boundaries(geojson, problems)
    names = dict(zip(communes["commune_code"].astype(str), communes["name"].astype(str)))
    for code in sorted(set(boundaries) - set(names)):
        problems.append(Problem("boundary", "a boundary for a commune the communes table does not have",
                                file=SOURCE_LABEL, field="code", value=code,
                                hint="keep only the communes of raw/communes.csv in the file"))
    for code in sorted(set(names) - set(boundaries)):
        problems.append(Problem("boundary", "commune without a boundary", file=SOURCE_LABEL, field="code", value=code,
                                hint="add the commune's feature, with its COG code as `code`, from the source"))
    if problems:
        raise ProblemsFound(problems)
    features = [{"type": "Feature", "id": code,
                 "properties": {"commune_code": code, "name": names[code],
                                "neighbourhood_count": int(counts.get(code, 0))},
                 "geometry": _rewound(boundaries[code])}
                for code in sorted(names)]
    collection = {"type": "FeatureCollection", "bbox": _bbox(features)} if features else {"type": "FeatureCollection"}
    return {**collection, "features": features}


def write_geojson(features: dict, path: Path) -> None:
    """UTF-8 JSON, keys in the order built, one feature per line, final newline."""
    head = {key: value for key, value in features.items() if key != "features"}
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    lines = [json.dumps(feature, ensure_ascii=False, separators=(",", ":")) for feature in features["features"]]
    Path(path).write_text(text + ',"features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")


def _boundaries(geojson, problems: list) -> dict[str, dict]:
    """Geometry by ``code`` property, each checked; problems appended for what is malformed."""
    from .problems import Problem

    def problem(message, value=None, hint="restore the file from its source"):
        problems.append(Problem("boundary", message, file=SOURCE_LABEL, value=value, hint=hint))

    if not isinstance(geojson, dict) or geojson.get("type") != "FeatureCollection" \
            or not isinstance(geojson.get("features"), list):
        problem("not a GeoJSON FeatureCollection")
        return {}
    found: dict[str, dict] = {}
    for number, feature in enumerate(geojson["features"], start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = properties.get("code") if isinstance(properties, dict) else None
        if not isinstance(code, str):
            problem(f"feature {number} has no text `code` property", value=None if code is None else str(code))
            continue
        geometry = feature.get("geometry")
        if not _valid_geometry(geometry):
            problem(f"feature {number} has no valid Polygon or MultiPolygon geometry "
                    "(closed rings of at least four longitude, latitude positions)", value=code)
        elif code in found:
            problem(f"feature {number} repeats a commune code", value=code, hint="keep one feature per commune")
        else:
            found[code] = geometry
    return found


def _valid_geometry(geometry) -> bool:
    if not isinstance(geometry, dict) or geometry.get("type") not in _GEOMETRIES:
        return False
    polygons = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return isinstance(polygons, list) and bool(polygons) and all(
        isinstance(rings, list) and rings and all(_valid_ring(ring) for ring in rings) for rings in polygons)


def _valid_ring(ring) -> bool:
    return (isinstance(ring, list) and len(ring) >= 4 and all(_valid_position(p) for p in ring)
            and ring[0] == ring[-1])


def _valid_position(position) -> bool:
    return (isinstance(position, list) and len(position) == 2
            and all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in position)
            and -180 <= position[0] <= 180 and -90 <= position[1] <= 90)


def signed_area(ring: list) -> float:
    """Twice the signed planar area of a ring in longitude, latitude: positive when counterclockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))


def _rewound(geometry: dict) -> dict:
    """The geometry with exterior rings counterclockwise and holes clockwise (RFC 7946, 3.1.6)."""
    def polygon(rings):
        return [ring if (signed_area(ring) > 0) == (index == 0) else ring[::-1] for index, ring in enumerate(rings)]

    coordinates = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        coordinates = polygon(coordinates)
    else:
        coordinates = [polygon(rings) for rings in coordinates]
    return {"type": geometry["type"], "coordinates": coordinates}


def _bbox(features: list[dict]) -> list[float]:
    """[west, south, east, north] of every position of every feature."""
    positions = [position for feature in features for rings in _polygons(feature["geometry"])
                 for ring in rings for position in ring]
    return [min(p[0] for p in positions), min(p[1] for p in positions),
            max(p[0] for p in positions), max(p[1] for p in positions)]


def _polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def write_boundaries(outputs, path: Path) -> None:
    """The format registry's writer: the communes of the build, their boundaries and neighbourhood counts."""
    boundaries = read_boundaries(outputs.root / SOURCE_LABEL)
    counts = neighbourhood_counts(outputs.tables["neighbourhood_communes"])
    features = commune_features(boundaries, outputs.tables["communes"], counts)
    sources = outputs.tables["sources"]
    cited = sources.loc[sources["snapshot"] == SOURCE_LABEL, "source_id"].tolist()
    for feature in features["features"]:
        feature["properties"]["boundary_source_id"] = cited[0] if cited else None
    write_geojson(features, path)
