"""The analysts' API: typed DataFrames, self-documenting Parquet, the data dictionary, the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import contratville_data
from contratville_data.dictionary import render_dictionary
from contratville_data.metadata import package_metadata, project_version
from contratville_data.schemas import TYPE_MAP, TableSchema, load_schemas

from .conftest import ROOT

SCHEMAS = load_schemas(ROOT / "schemas")
EXPECTED_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean",
                   "date": "date32[day][pyarrow]"}


def test_the_type_mapping_covers_every_table_schema_type_and_gives_the_right_dtypes():
    fields = [{"name": t, "type": t, "title": t, "description": t, "example": ""} for t in TYPE_MAP]
    fields.append({"name": "choice", "type": "string", "title": "c", "description": "c", "example": "b",
                   "constraints": {"enum": ["b", "a"]}})
    schema = TableSchema("all_types", ROOT, {"fields": fields, "primaryKey": ["string"]})
    dtypes = {name: str(dtype) for name, dtype in schema.pandas_dtypes().items()}
    assert dtypes == {**EXPECTED_DTYPES, "choice": "category"}
    assert list(schema.pandas_dtypes()["choice"].categories) == ["b", "a"]
    arrow = schema.arrow_schema()
    assert [str(f.type) for f in arrow] == ["string", "int64", "double", "bool", "date32[day]", "string"]
    assert arrow.field("string").nullable is False and arrow.field("integer").nullable is True


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_load_types_every_column_from_its_schema(name):
    frame = contratville_data.load(name)
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
    assert list(frame.columns) == SCHEMAS[name].columns
    for field in SCHEMAS[name].fields:
        dtype = frame[field["name"]].dtype
        enum = field.get("constraints", {}).get("enum")
        if enum:
            assert isinstance(dtype, pd.CategoricalDtype) and list(dtype.categories) == enum
        else:
            assert str(dtype) == EXPECTED_DTYPES[field["type"]], field["name"]
        assert dtype != np.dtype(object)


def test_load_keeps_codes_as_strings_with_their_values():
    communes = contratville_data.load("communes")
    assert communes["commune_code"].dtype == "string"
    assert communes.loc[communes["name"] == "Saint-Étienne", "commune_code"].item() == "42218"
    contract = contratville_data.load("contract")
    assert contract["signed_on"].item().isoformat() == "2024-07-10"
    assert contract["yearly_budget_eur"].item() == 5_000_000


def test_unknown_table_error_lists_the_tables():
    with pytest.raises(ValueError, match=r"unknown table 'quartiers'; the tables are: communes, contract"):
        contratville_data.load("quartiers")


def test_load_all_tables_and_describe():
    frames = contratville_data.load_all()
    assert sorted(frames) == sorted(SCHEMAS)
    listing = contratville_data.tables().set_index("name")
    assert listing.loc["neighbourhoods", "rows"] == 32 and listing.loc["neighbourhoods", "title"]
    assert {name: len(frame) for name, frame in frames.items()} == listing["rows"].to_dict()
    fields = contratville_data.describe("communes").set_index("name")
    assert fields.loc["commune_code", "type"] == "string"
    assert "primary key" in fields.loc["commune_code", "constraints"]
    assert "pattern" in fields.loc["commune_code", "constraints"]


def test_import_is_light():
    code = "import sys, contratville_data; print(sorted({'pandas', 'pyarrow', 'frictionless'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_parquet_documents_itself(name):
    schema = pq.read_schema(ROOT / "build" / f"{name}.parquet")
    assert json.loads(schema.metadata[b"table_schema"]) == SCHEMAS[name].descriptor
    for field in schema:
        described = SCHEMAS[name].field(field.name)
        assert field.metadata[b"description"].decode() == described["description"]
        assert field.metadata[b"title"].decode() == described["title"]


def test_the_data_dictionary_matches_the_schemas():
    expected = render_dictionary(package_metadata(ROOT), project_version(ROOT), SCHEMAS,
                                 contratville_data.load_all())
    assert (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8") == expected
    for name, schema in SCHEMAS.items():
        assert f"## {name}" in expected
        for field in schema.fields:
            assert f"`{field['name']}`" in expected


def test_duckdb_joins_the_link_file_to_communes_on_the_code():
    duckdb = pytest.importorskip("duckdb")
    build = (ROOT / "build").as_posix()
    rows = duckdb.sql(f"""
        select c.name, count(*) as n
        from '{build}/neighbourhood_communes.parquet' l join '{build}/communes.parquet' c using (commune_code)
        group by c.name order by n desc, c.name limit 2""").fetchall()
    assert rows == [("Saint-Étienne", 12), ("Le Chambon-Feugerolles", 6)]


def test_polars_reads_codes_as_strings():
    pl = pytest.importorskip("polars")
    frame = pl.read_parquet(ROOT / "build" / "communes.parquet")
    assert frame.schema["commune_code"] == pl.String
    assert frame.filter(pl.col("name") == "Firminy")["commune_code"].item() == "42095"


def test_the_wheel_carries_the_published_package_and_load_works_outside_the_repo(tmp_path):
    pytest.importorskip("hatchling")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist")],
                   cwd=ROOT, check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in SCHEMAS:
        for path in (f"build/{name}.csv", f"build/{name}.parquet", f"schemas/{name}.schema.json"):
            assert f"contratville_data/_data/{path}" in names
    assert "contratville_data/_data/datapackage.json" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import json, contratville_data as c; print(c.__file__); "
            "print(json.dumps({n: [len(f), str(f.dtypes.get('commune_code', ''))] for n, f in c.load_all().items()}))")
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0].startswith(str(site))
    loaded = json.loads(out[1])
    assert loaded["neighbourhoods"] == [32, ""] and loaded["communes"] == [11, "string"]
