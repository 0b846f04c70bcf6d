"""The communes' boundaries: RFC 7946 GeoJSON joined to the communes table, read back by real readers."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from contratville_data.geo import commune_features, neighbourhood_counts, read_boundaries, signed_area, write_geojson
from contratville_data.problems import ProblemsFound

from .conftest import ROOT, evidence
from .system import require

SOURCE = "france-geojson-communes-loire-contrat.geojson"


def read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / "raw" / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def source() -> dict:
    return read_boundaries(ROOT / "raw" / "communes.geojson")


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return read_csv("communes.csv")


@pytest.fixture(scope="module")
def collection(source, communes) -> dict:
    return commune_features(source, communes, neighbourhood_counts(read_csv("neighbourhood_communes.csv")))


@pytest.fixture(scope="module")
def written(collection, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("geo") / "communes.geojson"
    write_geojson(collection, path)
    return path


def polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def test_raw_file_is_the_evidence_file_unchanged():
    assert (ROOT / "raw" / "communes.geojson").read_bytes() == evidence(SOURCE).read_bytes()


def test_one_feature_per_commune_sorted_and_named_from_the_communes_table(collection, communes):
    assert list(collection) == ["type", "bbox", "features"]
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 11
    assert [f["id"] for f in features] == sorted(communes["commune_code"])
    names = dict(zip(communes["commune_code"], communes["name"]))
    for feature in features:
        assert list(feature) == ["type", "id", "properties", "geometry"]
        assert list(feature["properties"]) == ["commune_code", "name", "neighbourhood_count"]
        assert feature["type"] == "Feature" and feature["properties"]["commune_code"] == feature["id"]
        assert feature["properties"]["name"] == names[feature["id"]]
    by_code = {f["id"]: f["properties"] for f in features}
    assert by_code["42044"]["name"] == "Le Chambon-Feugerolles"  # the source's nom is "Chambon-Feugerolles"
    assert by_code["42218"]["neighbourhood_count"] == 12
    assert sum(p["neighbourhood_count"] for p in by_code.values()) == len(read_csv("neighbourhood_communes.csv"))


def test_rfc7946_members_positions_and_bbox(written):
    collection = json.loads(written.read_text(encoding="utf-8"))
    text = written.read_text(encoding="utf-8")
    assert '"crs"' not in text
    positions = []
    for feature in collection["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        for rings in polygons(feature["geometry"]):
            for ring in rings:
                assert len(ring) >= 4 and ring[0] == ring[-1]
                for lon, lat in ring:
                    assert -180 <= lon <= 180 and -90 <= lat <= 90
                    assert round(lon, 5) == lon and round(lat, 5) == lat
                positions += ring
    west, south, east, north = collection["bbox"]
    assert (west, south, east, north) == (min(p[0] for p in positions), min(p[1] for p in positions),
                                          max(p[0] for p in positions), max(p[1] for p in positions))
    assert 4.0 < west < east < 4.8 and 45.3 < south < north < 45.6  # around Saint-Étienne


def test_rings_follow_the_right_hand_rule_and_only_their_order_changed(collection, source):
    original = {f["properties"]["code"]: f["geometry"] for f in source["features"]}
    for feature in collection["features"]:
        before = polygons(original[feature["id"]])
        after = polygons(feature["geometry"])
        assert len(before) == len(after)
        for old_rings, new_rings in zip(before, after):
            for index, (old, new) in enumerate(zip(old_rings, new_rings, strict=True)):
                assert (signed_area(new) > 0) == (index == 0)  # exterior counterclockwise, holes clockwise
                assert new in (old, old[::-1])
    exteriors = [rings[0] for f in source["features"] for rings in polygons(f["geometry"])]
    assert all(signed_area(ring) < 0 for ring in exteriors)  # the source runs clockwise: hence the rewinding


def test_holes_are_rewound_clockwise():
    square = [[0, 0], [0, 4], [4, 4], [4, 0], [0, 0]]  # clockwise
    hole = [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]  # counterclockwise
    source = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "01001"},
         "geometry": {"type": "Polygon", "coordinates": [square, hole]}}]}
    communes = pd.DataFrame({"commune_code": ["01001"], "name": ["Test"]})
    exterior, inner = commune_features(source, communes, {"01001": 2})["features"][0]["geometry"]["coordinates"]
    assert exterior == square[::-1] and inner == hole[::-1]
    assert signed_area(exterior) > 0 > signed_area(inner)


def test_orientation_and_validity_as_shapely_sees_them(collection):
    require(importlib.util.find_spec("shapely") is not None, "shapely", "pip install shapely")
    from shapely.geometry import shape

    for feature in collection["features"]:
        geometry = shape(feature["geometry"])
        assert geometry.is_valid, feature["id"]
        parts = [geometry] if geometry.geom_type == "Polygon" else list(geometry.geoms)
        for polygon in parts:
            assert polygon.exterior.is_ccw and not any(ring.is_ccw for ring in polygon.interiors)


def test_same_input_same_bytes_whatever_the_order(collection, written, source, communes, tmp_path):
    shuffled = dict(source, features=list(reversed(source["features"])))
    counts = neighbourhood_counts(read_csv("neighbourhood_communes.csv"))
    again = commune_features(shuffled, communes.iloc[::-1], counts)
    write_geojson(again, tmp_path / "again.geojson")
    data = written.read_bytes()
    assert (tmp_path / "again.geojson").read_bytes() == data
    assert data.endswith(b"\n]}\n") and data.count(b"\n") == 13 and "Saint-Étienne".encode() in data


def test_gdal_reads_it_with_codes_as_text(written):
    require(importlib.util.find_spec("pyogrio") is not None, "pyogrio (GDAL)", "pip install pyogrio")
    import pyogrio

    info = pyogrio.read_info(written)
    assert info["driver"] == "GeoJSON" and info["features"] == 11 and info["crs"] == "EPSG:4326"
    _, table = pyogrio.read_arrow(written)
    assert table.column("commune_code").type == "string"
    assert table.column("commune_code").to_pylist()[0] == "42005"
    assert table.column("neighbourhood_count").to_pylist()[8] == 12


def broken(source: dict, change) -> dict:
    damaged = copy.deepcopy(source)
    change(damaged)
    return damaged


@pytest.mark.parametrize("change, message, value", [
    (lambda s: s["features"].pop(3), "commune without a boundary", "42103"),
    (lambda s: s["features"][0]["properties"].update(code="42999"), "does not have", "42999"),
    (lambda s: s["features"].append(copy.deepcopy(s["features"][0])), "repeats a commune code", "42005"),
    (lambda s: s["features"][1]["properties"].pop("code"), "no text `code` property", None),
    (lambda s: s["features"][1]["properties"].update(code=42044), "no text `code` property", "42044"),
    (lambda s: s["features"][2]["geometry"].update(type="LineString"), "no valid Polygon", "42095"),
    (lambda s: s["features"][2]["geometry"]["coordinates"][0].pop(), "no valid Polygon", "42095"),
    (lambda s: s.update(type="Feature"), "not a GeoJSON FeatureCollection", None),
])
def test_a_bad_boundary_file_is_a_clear_problem(source, communes, change, message, value):
    with pytest.raises(ProblemsFound) as raised:
        commune_features(broken(source, change), communes, {})
    found = [p for p in raised.value.problems if message in p.message]
    assert found and found[0].type == "boundary" and found[0].value == value
    assert found[0].file == "raw/communes.geojson" and found[0].hint


def test_an_unreadable_boundary_file_is_a_clear_problem(tmp_path):
    (tmp_path / "bad.geojson").write_bytes(b'{"type": "FeatureCollection", ')
    for path, message in ((tmp_path / "bad.geojson", "not UTF-8 JSON"), (tmp_path / "none.geojson", "not found")):
        with pytest.raises(ProblemsFound) as raised:
            read_boundaries(path)
        assert message in raised.value.problems[0].message
