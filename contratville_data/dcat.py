"""DCAT metadata of a release in JSON-LD: a strict DCAT-AP 3.0.1 catalogue, and its data.gouv.fr profile.

``dcat.jsonld`` (profile ``dcat-ap``) conforms to the official DCAT-AP 3.0.1 SHACL shapes, mandatory
and recommended. ``dcat-datagouv.jsonld`` (profile ``datagouv``) is the same catalogue as udata, the
software of data.gouv.fr, harvests it, with three departures, each because of how udata 17 reads DCAT:

- checksums are plain literals, not ``xsd:hexBinary``: rdflib turns a hexBinary literal into bytes,
  which udata's checksum field refuses, so the dataset would not be harvested at all. The digest
  is the same text, so no integrity information is lost;
- titles and descriptions are French only: udata keeps one value per property, the one in its
  default language or else any of them, so a translation could replace the French text;
- the spatial coverage is the communes' geometry only: udata merges every geometry of a location
  into one MultiPolygon, so the bounding box would be drawn over the communes, and it logs a
  warning for the centroid, a point.
"""

from __future__ import annotations

import json

from .formats import BY_NAME

#: The two profiles :func:`dcat_catalogue` writes.
PROFILES = ("dcat-ap", "datagouv")
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "geosparql": "http://www.opengis.net/ont/geosparql#",
    "locn": "http://www.w3.org/ns/locn#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "spdx": "http://spdx.org/rdf/terms#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
THEME_TAXONOMY = "http://publications.europa.eu/resource/authority/data-theme"
#: The package's labels (titles, keywords) are French; resource descriptions are English.
FRENCH, ENGLISH = "fr", "en"
#: Coordinates are rounded like the source boundaries (5 decimals, about 1 m).
DIGITS = 5


def dcat_catalogue(descriptor: dict, portal: dict, translations: dict, located: dict[str, dict],
                   period: tuple[str, str], dates: dict, base_url: str, coverage: dict,
                   profile: str = "dcat-ap") -> dict:
    """The JSON-LD catalogue of the release described by ``descriptor``, in ``profile`` (see :data:`PROFILES`).

    ``portal`` and ``translations`` are those members of ``schemas/package.json``; ``located`` gives
    each resource's absolute download ``url``, ``bytes`` and ``schema_url``; ``period`` the first
    and last dates covered (ISO dates); ``dates`` the ``issued`` and ``modified`` release dates;
    ``base_url`` the absolute address of the unpacked package; ``coverage`` comes from
    :func:`spatial_coverage`.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown DCAT profile {profile!r}; expected one of {', '.join(PROFILES)}")
    strict = profile == "dcat-ap"

    def text(french: str, english: str | None) -> list[dict] | dict:
        if strict and english:
            return [_text(french, FRENCH), _text(english, ENGLISH)]
        return _text(french, FRENCH)

    base = base_url.rstrip("/")
    publisher, contact = _publisher(descriptor, portal), _contact(descriptor, portal)
    licence = {"@id": portal["license"]["iri"], "@type": "dct:LicenseDocument",
               "dct:type": {"@id": portal["license"]["type"]},
               "dct:title": descriptor["licenses"][0]["title"],
               "dct:identifier": descriptor["licenses"][0]["name"],
               "rdfs:seeAlso": {"@id": descriptor["licenses"][0]["path"]}}
    location = _location(coverage, strict)
    title_en = translations["en"]["title"]
    dataset = {
        "@id": descriptor["id"],
        "@type": "dcat:Dataset",
        "dct:identifier": descriptor["id"],
        "dct:title": text(descriptor["title"], title_en),
        "dct:description": text(translations["fr"]["description"], descriptor["description"]),
        "dcat:keyword": [_text(keyword, FRENCH) for keyword in descriptor["keywords"]],
        "dcat:theme": [{"@id": theme} for theme in portal["themes"]],
        "dct:language": {"@id": portal["language"]},
        "dct:license": {"@id": licence["@id"]},
        "dct:publisher": {"@id": publisher["@id"]},
        "dcat:contactPoint": {"@id": contact["@id"]},
        "dct:issued": _typed(dates["issued"], "date"),
        "dct:modified": _typed(dates["modified"], "date"),
        "dcat:version": descriptor["version"],
        "dct:accrualPeriodicity": {"@id": portal["accrualPeriodicity"]},
        "dct:temporal": {"@type": "dct:PeriodOfTime", "dcat:startDate": _typed(period[0], "date"),
                         "dcat:endDate": _typed(period[1], "date")},
        "dct:spatial": {"@id": location["@id"]},
        "dcat:landingPage": {"@id": f"{base}/site/index.html", "@type": "foaf:Document"},
        "dct:relation": [{"@id": _absolute(base, source["path"])} for source in descriptor.get("sources", [])],
        "dcat:distribution": [_distribution(descriptor["id"], resource, located[resource["name"]], licence["@id"],
                                            portal["availability"], strict)
                              for resource in descriptor["resources"]],
    }
    catalogue = {
        "@id": f"{base}/",
        "@type": "dcat:Catalog",
        "dct:title": text(f"Catalogue : {descriptor['title']}", f"Catalogue: {title_en}"),
        "dct:description": text(f"Le paquet de données « {descriptor['title']} », version {descriptor['version']}.",
                                f"The data package \"{title_en}\", version {descriptor['version']}."),
        "dct:publisher": {"@id": publisher["@id"]},
        "dct:language": {"@id": portal["language"]},
        "dct:license": {"@id": licence["@id"]},
        "dct:issued": _typed(dates["issued"], "date"),
        "dct:modified": _typed(dates["modified"], "date"),
        "dct:spatial": {"@id": location["@id"]},
        "dcat:themeTaxonomy": {"@id": THEME_TAXONOMY},
        "foaf:homepage": {"@id": f"{base}/site/index.html"},
        "dcat:dataset": {"@id": dataset["@id"]},
    }
    return {"@context": CONTEXT, "@graph": [catalogue, dataset, publisher, contact, licence, location]}


def spatial_coverage(boundaries: dict, codes: list[str]) -> dict:
    """Bounding box, centroid and geometry of the communes ``codes`` in a GeoJSON FeatureCollection.

    ``boundaries`` must hold exactly one Polygon or MultiPolygon feature per code (property
    ``code``); raises ValueError otherwise. Returns ``bbox`` and ``centroid`` (WKT, longitude
    first), ``geometry`` (a GeoJSON MultiPolygon of the communes, in ``codes`` order) and ``names``.
    """
    features = {}
    for feature in boundaries.get("features", []):
        code = str(feature.get("properties", {}).get("code", ""))
        if code in features:
            raise ValueError(f"commune {code} appears twice in the boundaries")
        features[code] = feature
    if set(features) != set(codes):
        missing, extra = sorted(set(codes) - set(features)), sorted(set(features) - set(codes))
        raise ValueError(f"the boundaries do not match the communes table: missing {missing or 'none'}, "
                         f"unexpected {extra or 'none'}")
    polygons = []
    for code in codes:
        geometry = features[code].get("geometry") or {}
        if geometry.get("type") == "Polygon":
            polygons.append(geometry["coordinates"])
        elif geometry.get("type") == "MultiPolygon":
            polygons.extend(geometry["coordinates"])
        else:
            raise ValueError(f"commune {code}: expected a Polygon or MultiPolygon, got {geometry.get('type')!r}")
    points = [point for polygon in polygons for ring in polygon for point in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    x, y = _centroid(polygons)
    corners = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    return {
        "bbox": "POLYGON((" + ", ".join(f"{_round(a)} {_round(b)}" for a, b in corners) + "))",
        "centroid": f"POINT({_round(x)} {_round(y)})",
        "geometry": {"type": "MultiPolygon", "coordinates": polygons},
    }


def _centroid(polygons: list) -> tuple[float, float]:
    """Area-weighted centroid of polygons (holes subtracted), on longitude/latitude as a plane."""
    total = cx = cy = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            sign = 1 if index == 0 else -1
            area = x_sum = y_sum = 0.0
            for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
                cross = x0 * y1 - x1 * y0
                area += cross
                x_sum += (x0 + x1) * cross
                y_sum += (y0 + y1) * cross
            # Orientation-independent: a ring's area counts with the sign of outer ring or hole.
            weight = sign * abs(area) / 2
            if area:
                total += weight
                cx += weight * x_sum / (3 * area)
                cy += weight * y_sum / (3 * area)
    return cx / total, cy / total


def _round(value: float) -> str:
    return f"{value:.{DIGITS}f}".rstrip("0").rstrip(".")


def _location(coverage: dict, strict: bool) -> dict:
    location = {"@id": "_:coverage", "@type": "dct:Location",
                "rdfs:comment": _text("Les communes du contrat ; contours IGN ADMIN EXPRESS COG 2018 simplifiés, "
                                      "du projet france-geojson (https://github.com/gregoiredavid/france-geojson).",
                                      FRENCH),
                "locn:geometry": {"@value": json.dumps(coverage["geometry"], separators=(",", ":")),
                                  "@type": "geosparql:geoJSONLiteral"}}
    if strict:
        location["dcat:bbox"] = {"@value": coverage["bbox"], "@type": "geosparql:wktLiteral"}
        location["dcat:centroid"] = {"@value": coverage["centroid"], "@type": "geosparql:wktLiteral"}
    return location


def _publisher(descriptor: dict, portal: dict) -> dict:
    """The contributor with the role ``publisher``, typed; an IRI only when one is configured."""
    found = [c for c in descriptor["contributors"] if "publisher" in c.get("roles", [c.get("role")])]
    if len(found) != 1:
        raise ValueError(f"expected one contributor with the role 'publisher', found {len(found)}")
    return {"@id": portal.get("publisherIri") or "_:publisher", "@type": "foaf:Agent",
            "foaf:name": found[0]["title"], "dct:type": {"@id": portal["publisherType"]}}


def _contact(descriptor: dict, portal: dict) -> dict:
    """The contact point: the publisher by name, with an email or a web page when configured."""
    contact = {"@id": "_:contact", "@type": "vcard:Kind", "vcard:fn": _publisher(descriptor, portal)["foaf:name"]}
    if portal.get("contactEmail"):
        contact["vcard:hasEmail"] = {"@id": f"mailto:{portal['contactEmail']}"}
    if portal.get("contactUrl"):
        contact["vcard:hasURL"] = {"@id": portal["contactUrl"]}
    return contact


def _distribution(dataset_id: str, resource: dict, located: dict, licence: str, availability: str,
                  strict: bool) -> dict:
    algorithm, digest = resource["hash"].split(":", 1)
    fmt = BY_NAME[resource["format"]]
    distribution = {
        "@id": f"{dataset_id}/{resource['name']}",
        "@type": "dcat:Distribution",
        "dct:identifier": resource["name"],
        "dct:title": _text(resource["title"], FRENCH),
        "dct:description": _text(resource["description"], ENGLISH),
        "dcat:accessURL": {"@id": located["url"]},
        "dcat:downloadURL": {"@id": located["url"]},
        # the label lets ckanext-dcat store the media type's name, not its IRI
        "dcat:mediaType": {"@id": MEDIA_TYPES + resource["mediatype"], "rdfs:label": resource["mediatype"]},
        "dct:format": {"@id": fmt.file_type_uri, "rdfs:label": fmt.label},
        "dcat:byteSize": _typed(located["bytes"], "nonNegativeInteger"),
        "spdx:checksum": {"@type": "spdx:Checksum",
                          "spdx:algorithm": {"@id": f"spdx:checksumAlgorithm_{algorithm}"},
                          "spdx:checksumValue": _typed(digest, "hexBinary") if strict else digest},
        "dct:license": {"@id": licence},
        "dcatap:availability": {"@id": availability},
    }
    if located.get("schema_url"):
        distribution["dct:conformsTo"] = {"@id": located["schema_url"], "@type": "dct:Standard"}
    return distribution


def _absolute(base: str, path: str) -> str:
    return path if path.startswith(("https://", "http://")) else f"{base}/{path}"


def _text(value: str, language: str) -> dict:
    return {"@value": value, "@language": language}


def _typed(value, datatype: str) -> dict:
    return {"@value": value, "@type": f"xsd:{datatype}"}
