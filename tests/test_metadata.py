"""The metadata itself: every field documented, every key resolvable, examples valid."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pandas as pd
import pytest

from contratville_data.check import check_values
from contratville_data.formats import BY_NAME
from contratville_data.metadata import latest_release, package_metadata, project_version
from contratville_data.schemas import TYPE_MAP, load_order, load_schemas

from .conftest import ROOT

SCHEMAS = load_schemas(ROOT / "schemas")
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
SEMVER = r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?"
#: Every table, from the schemas: adding a table is adding its raw CSV and its schema, nothing here.
TABLES = sorted(SCHEMAS)
#: The tables the contract's model needs; others may be added beside them.
MODEL = {"communes", "contract", "defis", "neighbourhood_communes", "neighbourhoods", "signatories", "sources"}


def test_the_model_s_tables_are_all_there():
    assert MODEL <= set(TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_every_field_is_documented(table):
    for field in SCHEMAS[table].fields:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", field["name"]), field["name"]
        assert field["type"] in TYPE_MAP, field
        for key in ("title", "description", "example"):
            assert field.get(key) not in (None, ""), f"{table}.{field['name']} has no {key}"


@pytest.mark.parametrize("table", TABLES)
def test_every_example_passes_its_own_field_checks(table):
    schema = SCHEMAS[table]
    row = pd.DataFrame([[_as_raw(f["example"]) for f in schema.fields]], columns=schema.columns, dtype="string")
    assert check_values(row, [2], schema, "examples") == []


def _as_raw(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("table", TABLES)
def test_keys_point_at_existing_tables_and_fields(table):
    schema = SCHEMAS[table]
    assert schema.primary_key and set(schema.primary_key) <= set(schema.columns)
    for fk in schema.foreign_keys:
        assert set(fk["fields"]) <= set(schema.columns)
        target = SCHEMAS[fk["reference"]["resource"]]
        assert fk["reference"]["fields"] == target.primary_key
        for child, parent in zip(fk["fields"], fk["reference"]["fields"]):
            assert schema.field(child)["type"] == target.field(parent)["type"]


@pytest.mark.parametrize("table", [t for t in TABLES if t != "sources"])
def test_every_row_cites_a_source(table):
    fk = [fk for fk in SCHEMAS[table].foreign_keys if fk["fields"] == ["source_id"]]
    assert fk and fk[0]["reference"]["resource"] == "sources"
    assert SCHEMAS[table].field("source_id")["constraints"]["required"] is True


def test_codes_are_strings_with_grouped_patterns():
    for schema in SCHEMAS.values():
        for field in schema.fields:
            if field["name"].endswith(("_code", "siren", "_id")):
                assert field["type"] == "string", field["name"]
            pattern = field.get("constraints", {}).get("pattern")
            if pattern and "|" in pattern:
                assert re.search(r"\([^)]*\|", pattern), f"ungrouped alternation in {field['name']}"


def test_cog_pattern_accepts_codes_and_rejects_look_alikes():
    pattern = SCHEMAS["communes"].field("commune_code")["constraints"]["pattern"]
    for good in ("42218", "2A004", "2B033", "01001", "97411"):
        assert re.fullmatch(pattern, good)
    for bad in ("4221", "422180", "20004", "2C004", "A2218", " 42218"):
        assert not re.fullmatch(pattern, bad)


def test_tables_load_in_dependency_order():
    order = load_order(SCHEMAS)
    for table in TABLES:
        for fk in SCHEMAS[table].foreign_keys:
            target = fk["reference"]["resource"]
            if target != table:
                assert order.index(target) < order.index(table)


def test_each_table_is_described_once_in_its_schema_and_licence_comes_first():
    meta = package_metadata(ROOT)
    assert "resources" not in meta, "a table's title and description live in its Table Schema only"
    for name, schema in SCHEMAS.items():
        resource = next(r for r in DESCRIPTOR["resources"] if r["name"] == name)
        assert (resource["title"], resource["description"]) == (schema.descriptor["title"],
                                                                 schema.descriptor["description"])
    assert meta["licenses"][0]["name"] == "etalab-2.0"


def test_patterns_are_ascii_and_defined_once():
    """No ``\\d`` (Python reads it as any Unicode digit): every pattern is named once in schemas/fields.json."""
    shared = json.loads((ROOT / "schemas" / "fields.json").read_text(encoding="utf-8"))
    for path in (ROOT / "schemas").glob("*.schema.json"):
        assert '"pattern": "' not in path.read_text(encoding="utf-8"), path.name
    for name, pattern in shared["patterns"].items():
        assert pattern.isascii() and "\\d" not in pattern, name
    code = SCHEMAS["communes"].field("commune_code")["constraints"]["pattern"]
    for look_alike in ("4200\u0665", "42\uff1095", "4\u06f2218"):
        assert not re.fullmatch(code, look_alike)


def test_one_version_in_pyproject_changelog_and_descriptor():
    assert re.fullmatch(SEMVER, project_version(ROOT))
    assert latest_release(ROOT)[0] == project_version(ROOT) == DESCRIPTOR["version"]
    assert DESCRIPTOR["created"] == f"{latest_release(ROOT)[1]}T00:00:00Z"


def test_the_descriptor_has_what_data_package_2_portals_read():
    meta = package_metadata(ROOT)
    assert DESCRIPTOR["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert re.fullmatch(r"[a-z0-9._-]+", DESCRIPTOR["name"]) and DESCRIPTOR["id"] and DESCRIPTOR["title"]
    summary = DESCRIPTOR["description"].split("\n\n")[0]
    assert summary and "\n" not in summary and not summary.startswith("#") and summary.endswith(".")
    assert DESCRIPTOR["homepage"] == meta["homepage"] and DESCRIPTOR["homepage"].startswith("https://")
    assert DESCRIPTOR["keywords"] and all(isinstance(k, str) and k for k in DESCRIPTOR["keywords"])
    licence = DESCRIPTOR["licenses"][0]
    assert licence["name"] == "etalab-2.0" and licence["title"]
    assert licence["path"] == "https://spdx.org/licenses/etalab-2.0.html"
    raw_sources = pd.read_csv(ROOT / "raw" / "sources.csv", dtype=str)
    assert sorted((s["title"], s["path"]) for s in DESCRIPTOR["sources"]) == \
        sorted(zip(raw_sources["title"], raw_sources["url"]))
    for contributor in DESCRIPTOR["contributors"]:
        assert contributor["title"] and contributor["roles"] and contributor["role"] == contributor["roles"][0]
    datetime.fromisoformat(DESCRIPTOR["created"])


@pytest.mark.parametrize("resource", DESCRIPTOR["resources"], ids=lambda r: r["name"])
def test_every_resource_is_described_for_portals(resource):
    for key in ("title", "description", "format", "mediatype"):
        assert resource.get(key), f"{resource['name']} has no {key}"
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", resource["hash"])
    fmt = BY_NAME[resource["format"]]
    if fmt.per_table:
        assert resource["schema"].startswith("build/schemas/") and (ROOT / resource["schema"]).is_file()
    else:
        assert "schema" not in resource and resource["path"] == fmt.path()
    assert resource["mediatype"] == fmt.mediatype and resource.get("encoding") == fmt.encoding
    if fmt.declares_bytes:
        assert resource["bytes"] == (ROOT / resource["path"]).stat().st_size
    else:
        assert "bytes" not in resource, "frictionless 5.21 misreads a Parquet table's byte count"
