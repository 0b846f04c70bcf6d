"""The release's DCAT files against the official DCAT-AP 3.0.1 SHACL shapes (tests/shacl/), with pyshacl.

``dcat.jsonld`` must give no violation and no warning, mandatory and recommended shapes alike. The
data.gouv.fr profile departs from the strict file only where its docstring says (contratville_data/dcat.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyshacl
import pytest
import rdflib

from .conftest import ROOT, expected_resources
from .test_release import BASE_URL, DESCRIPTOR, copy_checkout, make_release

SHAPES = Path(__file__).parent / "shacl"
# Plain namespaces: rdflib's closed ones warn when pytest inspects the module.
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
RDF = rdflib.Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    checkout = copy_checkout(tmp_path_factory.mktemp("checkout"))
    return make_release(checkout, tmp_path_factory.mktemp("release"))


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in ("shapes.ttl", "shapes_recommended.ttl"):
        graph.parse(SHAPES / name, format="turtle")
    return graph


def results(data: rdflib.Graph, shapes: rdflib.Graph) -> list[tuple[str, str, str]]:
    """(severity, focus node class or node, path) of every SHACL result."""
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        kind = data.value(focus, RDF.type)
        found.append((str(report.value(result, SH.resultSeverity)).split("#")[1],
                      kind.n3(data.namespace_manager) if kind else str(focus),
                      report.value(result, SH.resultPath).n3(data.namespace_manager)))
    return sorted(found)


def graph(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="json-ld")


def test_the_vendored_shapes_are_the_official_ones_with_both_severities(shapes):
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    assert len(node_shapes) >= 30
    severities = set(shapes.objects(None, SH.severity))
    assert SH.Warning in severities, "the recommended shapes must be loaded"
    assert (None, SH.path, DCAT.contactPoint) in shapes


def test_dcat_jsonld_conforms_mandatory_and_recommended(released, shapes):
    assert results(graph(released / "dcat.jsonld"), shapes) == []


def test_the_shapes_would_catch_a_missing_recommended_or_mandatory_property(released, shapes):
    data = graph(released / "dcat.jsonld")
    [dataset] = data.subjects(RDF.type, DCAT.Dataset)
    data.remove((dataset, DCAT.contactPoint, None))
    [checksum, *_] = data.subjects(RDF.type, SPDX.Checksum)
    value = data.value(checksum, SPDX.checksumValue)
    data.set((checksum, SPDX.checksumValue, rdflib.Literal(str(value))))
    assert results(data, shapes) == [("Violation", "spdx:Checksum", "spdx:checksumValue"),
                                     ("Warning", "dcat:Dataset", "dcat:contactPoint")]


def test_the_datagouv_profile_departs_only_as_documented(released, shapes):
    """Plain-literal checksums (udata refuses xsd:hexBinary) and the geometry without bbox or centroid."""
    found = results(graph(released / "dcat-datagouv.jsonld"), shapes)
    assert found == sorted([("Violation", "spdx:Checksum", "spdx:checksumValue")] * len(DESCRIPTOR["resources"])
                           + [("Warning", "dct:Location", "dcat:bbox"), ("Warning", "dct:Location", "dcat:centroid")])
    strict, profile = graph(released / "dcat.jsonld"), graph(released / "dcat-datagouv.jsonld")
    digests = {str(o) for o in strict.objects(None, SPDX.checksumValue)}
    assert digests == {str(o) for o in profile.objects(None, SPDX.checksumValue)}
    assert {r["hash"].split(":")[1] for r in DESCRIPTOR["resources"]} == digests
    assert {o.datatype for o in strict.objects(None, SPDX.checksumValue)} == {XSD.hexBinary}
    assert {o.datatype for o in profile.objects(None, SPDX.checksumValue)} == {None}


def test_a_catalogue_holds_the_dataset_with_typed_publisher_licence_and_contact(released):
    data = graph(released / "dcat.jsonld")
    [catalogue] = data.subjects(RDF.type, DCAT.Catalog)
    [dataset] = data.subjects(RDF.type, DCAT.Dataset)
    assert str(catalogue) == f"{BASE_URL}/" and data.value(catalogue, DCAT.dataset) == dataset
    assert str(dataset) == DESCRIPTOR["id"]
    publisher = data.value(dataset, DCTERMS.publisher)
    assert data.value(catalogue, DCTERMS.publisher) == publisher
    assert (publisher, RDF.type, FOAF.Agent) in data and data.value(publisher, DCTERMS.type) is not None
    assert str(data.value(publisher, FOAF.name)) == "contratville-data developers"
    assert "Saint-Étienne" not in str(data.value(publisher, FOAF.name))
    licence = data.value(dataset, DCTERMS.license)
    assert str(licence) == LICENCE and (licence, RDF.type, DCTERMS.LicenseDocument) in data
    assert data.value(licence, DCTERMS.type) is not None
    contact = data.value(dataset, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in data and data.value(contact, VCARD.fn) is not None
    assert not list(data.objects(contact, VCARD.hasEmail)), "no email is configured: none may appear"


def test_french_title_and_description_with_english_translations(released):
    data = graph(released / "dcat.jsonld")
    [dataset] = data.subjects(RDF.type, DCAT.Dataset)
    package = json.loads((ROOT / "schemas" / "package.json").read_text(encoding="utf-8"))
    titles = {o.language: str(o) for o in data.objects(dataset, DCTERMS.title)}
    descriptions = {o.language: str(o) for o in data.objects(dataset, DCTERMS.description)}
    assert titles == {"fr": DESCRIPTOR["title"], "en": package["translations"]["en"]["title"]}
    assert descriptions == {"fr": package["translations"]["fr"]["description"], "en": DESCRIPTOR["description"]}
    profile = graph(released / "dcat-datagouv.jsonld")
    [dataset] = profile.subjects(RDF.type, DCAT.Dataset)
    assert {o.language for o in profile.objects(dataset, DCTERMS.title)} == {"fr"}


def test_period_and_coverage(released):
    data = graph(released / "dcat.jsonld")
    [dataset] = data.subjects(RDF.type, DCAT.Dataset)
    period = data.value(dataset, DCTERMS.temporal)
    assert data.value(period, DCAT.startDate) == rdflib.Literal("2024-01-01", datatype=XSD.date)
    assert data.value(period, DCAT.endDate) == rdflib.Literal("2030-12-31", datatype=XSD.date)
    location = data.value(dataset, DCTERMS.spatial)
    bbox = str(data.value(location, DCAT.bbox))
    west, south = (float(v) for v in bbox.removeprefix("POLYGON((").split(",")[0].split())
    east, north = (float(v) for v in bbox.split(",")[2].split())
    # The 11 communes lie between Firminy/Unieux in the west and Rive-de-Gier in the east, around 45.4° N.
    assert 4.2 < west < east < 4.7 and 45.3 < south < north < 45.6
    x, y = (float(v) for v in str(data.value(location, DCAT.centroid)).removeprefix("POINT(")[:-1].split())
    assert west < x < east and south < y < north
    geometry = json.loads(str(data.value(location, rdflib.URIRef("http://www.w3.org/ns/locn#geometry"))))
    assert geometry["type"] == "MultiPolygon" and len(geometry["coordinates"]) >= 11


def test_every_distribution_is_absolute_and_described(released):
    data = graph(released / "dcat.jsonld")
    by_url = {str(data.value(d, DCAT.downloadURL)): d for d in data.subjects(RDF.type, DCAT.Distribution)}
    assert len(by_url) == len(DESCRIPTOR["resources"]) == expected_resources()
    for resource in DESCRIPTOR["resources"]:
        distribution = by_url[f"{BASE_URL}/{resource['path']}"]
        checksum = data.value(distribution, SPDX.checksum)
        assert f"sha256:{data.value(checksum, SPDX.checksumValue)}" == resource["hash"]
        assert int(data.value(distribution, DCAT.byteSize)) == (ROOT / resource["path"]).stat().st_size
        assert str(data.value(distribution, DCAT.mediaType)).endswith("/" + resource["mediatype"])
        schema = data.value(distribution, DCTERMS.conformsTo)
        assert str(schema) == f"{BASE_URL}/{resource['schema']}" if "schema" in resource else schema is None
        assert str(data.value(distribution, DCTERMS.license)) == LICENCE
