"""DCAT-AP metadata of a release in JSON-LD: one dcat:Dataset, one dcat:Distribution per published file."""

from __future__ import annotations

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
#: Descriptor ``format`` -> the EU Publications Office file-type authority DCAT-AP recommends.
FILE_TYPES = {
    "csv": "http://publications.europa.eu/resource/authority/file-type/CSV",
    "parquet": "http://publications.europa.eu/resource/authority/file-type/PARQUET",
}
MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
#: Labels (titles, keywords) are French, descriptions English.
LABELS, TEXT = "fr", "en"


def _text(value: str, language: str) -> dict:
    return {"@value": value, "@language": language}


def _typed(value, datatype: str) -> dict:
    return {"@value": value, "@type": f"xsd:{datatype}"}


def dcat_dataset(descriptor: dict, located: dict[str, dict], period: tuple[str, str], dates: dict) -> dict:
    """The JSON-LD document of the release described by ``descriptor``.

    ``located`` gives each resource's download ``url``, ``bytes`` and ``schema_url``; ``period`` the
    first and last years covered; ``dates`` the ``issued`` and ``modified`` release dates.
    """
    licence = descriptor["licenses"][0]
    dataset = {
        "@context": CONTEXT,
        "@id": descriptor["id"],
        "@type": "dcat:Dataset",
        "dct:identifier": descriptor["id"],
        "dct:title": _text(descriptor["title"], LABELS),
        "dct:description": _text(descriptor["description"], TEXT),
        "dcat:keyword": [_text(keyword, LABELS) for keyword in descriptor["keywords"]],
        "dct:license": {"@id": licence["path"], "@type": "dct:LicenseDocument",
                        "dct:identifier": licence["name"], "dct:title": licence["title"]},
        "dct:issued": _typed(dates["issued"], "date"),
        "dct:modified": _typed(dates["modified"], "date"),
        "dcat:version": descriptor["version"],
        "dct:temporal": {"@type": "dct:PeriodOfTime", "dcat:startDate": _typed(period[0], "gYear"),
                         "dcat:endDate": _typed(period[1], "gYear")},
        "dcat:landingPage": {"@id": descriptor["homepage"], "@type": "foaf:Document"},
    }
    publisher = next((c for c in descriptor["contributors"] if "publisher" in c.get("roles", [])), None)
    if publisher is not None:
        agent = {"@type": "foaf:Agent", "foaf:name": publisher["title"]}
        dataset["dct:publisher"] = {"@id": publisher["path"], **agent} if "path" in publisher else agent
    dataset["dcat:distribution"] = [_distribution(descriptor["id"], r, located[r["name"]], licence["path"])
                                    for r in descriptor["resources"]]
    return dataset


def _distribution(dataset_id: str, resource: dict, located: dict, licence: str) -> dict:
    algorithm, digest = resource["hash"].split(":", 1)
    return {
        "@id": f"{dataset_id}/{resource['name']}",
        "@type": "dcat:Distribution",
        "dct:identifier": resource["name"],
        "dct:title": _text(resource["title"], LABELS),
        "dct:description": _text(resource["description"], TEXT),
        "dcat:accessURL": {"@id": located["url"]},
        "dcat:downloadURL": {"@id": located["url"]},
        "dcat:mediaType": {"@id": MEDIA_TYPES + resource["mediatype"]},
        "dct:format": {"@id": FILE_TYPES[resource["format"]]},
        "dcat:byteSize": _typed(located["bytes"], "nonNegativeInteger"),
        "spdx:checksum": {"@type": "spdx:Checksum",
                          "spdx:algorithm": {"@id": f"spdx:checksumAlgorithm_{algorithm}"},
                          "spdx:checksumValue": _typed(digest, "hexBinary")},
        "dct:license": {"@id": licence},
        "dct:conformsTo": {"@id": located["schema_url"], "@type": "dct:Standard"},
    }
