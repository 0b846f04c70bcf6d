"""The SQLite database: declared types, keys, constraints, deterministic bytes, and Datasette showing it."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from contratville_data.problems import ProblemsFound
from contratville_data.sqlite import (
    SQL_TYPES,
    creation_order,
    datasette_metadata,
    write_datasette_metadata,
    write_sqlite,
)

from .conftest import ROOT
from .system import require

STORAGE_CLASS = {"string": "text", "integer": "integer", "number": "real", "boolean": "integer", "date": "text"}


@pytest.fixture(scope="module")
def published() -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """The published tables, typed, with the Table Schema each Parquet file carries."""
    tables, schemas = {}, {}
    for path in sorted((ROOT / "build").glob("*.parquet")):
        table = pq.read_table(path)
        schemas[path.stem] = json.loads(table.schema.metadata[b"table_schema"])
        tables[path.stem] = table.to_pandas(types_mapper=pd.ArrowDtype)
    return tables, schemas


@pytest.fixture(scope="module")
def database(published, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "contratville.sqlite"
    write_sqlite(*published, path)
    return path


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def test_every_table_with_its_rows_declared_types_and_storage_classes(published, database):
    tables, schemas = published
    with connect(database) as db:
        assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == set(schemas)
        for name, schema in schemas.items():
            assert db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == len(tables[name]) > 0
            info = {row[1]: row for row in db.execute(f'PRAGMA table_info("{name}")')}
            assert list(info) == [f["name"] for f in schema["fields"]]
            for field in schema["fields"]:
                column = info[field["name"]]
                assert column[2] == SQL_TYPES[field["type"]], (name, field["name"])
                required = field.get("constraints", {}).get("required") or field["name"] in schema["primaryKey"]
                assert column[3] == int(bool(required)), (name, field["name"])
                kinds = {r[0] for r in db.execute(f'SELECT DISTINCT typeof("{field["name"]}") FROM "{name}"')}
                assert kinds - {"null"} <= {STORAGE_CLASS[field["type"]]}, (name, field["name"], kinds)
            assert [c for c in sorted(info, key=lambda c: info[c][5]) if info[c][5]] == schema["primaryKey"]


def test_codes_stay_text_and_dates_iso(database):
    with connect(database) as db:
        assert db.execute("SELECT commune_code, typeof(commune_code) FROM communes ORDER BY rowid LIMIT 1").fetchone() \
            == ("42005", "text")
        assert db.execute("SELECT siren FROM signatories WHERE signatory_id = 'alliade-habitat'").fetchone() \
            == ("960506152",)
        assert db.execute("SELECT signed_on, yearly_budget_eur FROM contract").fetchone() == ("2024-07-10", 5000000)
        assert db.execute("SELECT count(*) FROM neighbourhoods WHERE interpreted = 1").fetchone()[0] >= 1


def test_foreign_keys_declared_checked_and_indexed(published, database):
    tables, schemas = published
    with connect(database) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        for name, schema in schemas.items():
            declared = {(tuple(fk["fields"]), fk["reference"]["resource"], tuple(fk["reference"]["fields"]))
                        for fk in schema.get("foreignKeys", [])}
            rows = db.execute(f'PRAGMA foreign_key_list("{name}")').fetchall()
            found = {}
            for fk_id, _, target, child, parent, *_ in rows:
                columns = found.setdefault(fk_id, [target, [], []])
                columns[1].append(child)
                columns[2].append(parent)
            assert {(tuple(c), t, tuple(p)) for t, c, p in found.values()} == declared
            indexed = [[r[2] for r in db.execute(f'PRAGMA index_info("{index[1]}")')]
                       for index in db.execute(f'PRAGMA index_list("{name}")')]
            for columns, _, _ in declared:
                assert any(list(columns) == index[: len(columns)] for index in indexed), (name, columns)


def test_tables_created_parents_first(published, database):
    tables, schemas = published
    order = creation_order(schemas)
    assert order.index("sources") < order.index("communes") < order.index("neighbourhood_communes")
    assert order.index("neighbourhoods") < order.index("neighbourhood_communes")
    with connect(database) as db:
        created = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
    assert created == order


@pytest.mark.parametrize("statement", [
    "UPDATE contract SET signed_on = '2023-02-29'",
    "UPDATE contract SET signed_on = '10/07/2024'",
    "UPDATE contract SET yearly_budget_eur = -1",
    "UPDATE contract SET population_share_stated_percent = 101",
    "UPDATE neighbourhoods SET interpreted = 2",
    "UPDATE signatories SET category = 'autre'",
    "UPDATE signatories SET commune_code = '99999' WHERE category = 'commune'",
    "DELETE FROM communes",
    "UPDATE communes SET name = NULL",
    "INSERT INTO communes SELECT * FROM communes LIMIT 1",
])
def test_the_database_refuses_what_the_schemas_forbid(database, tmp_path, statement):
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(database.read_bytes())
    with sqlite3.connect(copy) as db:
        db.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(statement)


def test_same_tables_same_bytes_whatever_the_row_order(published, database, tmp_path):
    tables, schemas = published
    shuffled = {name: df.sample(frac=1, random_state=7).reset_index(drop=True) for name, df in tables.items()}
    again = tmp_path / "again.sqlite"
    write_sqlite(shuffled, schemas, again)
    assert again.read_bytes() == database.read_bytes()
    header = database.read_bytes()[:100]
    assert header[16:18] == (4096).to_bytes(2, "big")  # page size
    assert header[18:20] == b"\x01\x01"  # rollback journal, not WAL
    with connect(database) as db:
        assert db.execute("PRAGMA freelist_count").fetchone() == (0,)
        rowids = [r[0] for r in db.execute("SELECT commune_code FROM communes ORDER BY rowid")]
    assert rowids == sorted(rowids)


def test_pandas_dtypes_of_the_build_are_written_as_sqlite_values(tmp_path):
    schemas = {
        "parent": {"fields": [{"name": "code", "type": "string", "title": "Code"}],
                   "primaryKey": ["code"]},
        "child": {"fields": [
            {"name": "id", "type": "integer", "title": "Id"},
            {"name": "code", "type": "string", "title": "Code"},
            {"name": "share", "type": "number", "title": "Part"},
            {"name": "flag", "type": "boolean", "title": "Drapeau"},
            {"name": "day", "type": "date", "title": "Jour"},
            {"name": "kind", "type": "string", "title": "Genre", "constraints": {"enum": ["b", "a"]}},
        ], "primaryKey": ["id"],
            "foreignKeys": [{"fields": ["code"], "reference": {"resource": "parent", "fields": ["code"]}}]},
    }
    tables = {
        "parent": pd.DataFrame({"code": pd.array(["01001"], dtype="string")}),
        "child": pd.DataFrame({
            "id": pd.array([2, 1], dtype="Int64"),
            "code": pd.array(["01001", pd.NA], dtype="string"),
            "share": pd.array([0.5, pd.NA], dtype="Float64"),
            "flag": pd.array([True, pd.NA], dtype="boolean"),
            "day": pd.Series(pd.to_datetime(["2024-07-10", None]).date, dtype="date32[day][pyarrow]"),
            "kind": pd.Categorical(["a", None], categories=["b", "a"]),
        }),
    }
    path = tmp_path / "typed.sqlite"
    write_sqlite(tables, schemas, path)
    with connect(path) as db:
        assert db.execute("SELECT * FROM child ORDER BY rowid").fetchall() == [
            (1, None, None, None, None, None), (2, "01001", 0.5, 1, "2024-07-10", "a")]


def _referencing(schemas: dict, target: str) -> set[str]:
    """The tables with a foreign key to ``target``."""
    return {name for name, schema in schemas.items()
            for fk in schema.get("foreignKeys", []) if fk["reference"]["resource"] == target}


def test_broken_foreign_keys_are_reported_and_nothing_written(published, tmp_path):
    tables, schemas = published
    broken = dict(tables, communes=tables["communes"][tables["communes"]["commune_code"] != "42218"])
    path = tmp_path / "broken.sqlite"
    with pytest.raises(ProblemsFound) as raised:
        write_sqlite(broken, schemas, path)
    problems = raised.value.problems
    assert {p.type for p in problems} == {"foreign-key"}
    assert {(p.resource, p.field) for p in problems} == {
        (name, fk["fields"][0]) for name in _referencing(schemas, "communes")
        for fk in schemas[name]["foreignKeys"] if fk["reference"]["resource"] == "communes"
        if (tables[name][fk["fields"][0]] == "42218").any()}
    assert any(p.value and "42218" in p.value for p in problems)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_a_missing_table_or_column_is_a_clear_error(published, tmp_path):
    tables, schemas = published
    with pytest.raises(ValueError, match="no rows given for table 'sources'"):
        write_sqlite({k: v for k, v in tables.items() if k != "sources"}, schemas, tmp_path / "x.sqlite")
    with pytest.raises(ValueError, match="lacks the columns name"):
        write_sqlite(dict(tables, communes=tables["communes"].drop(columns="name")), schemas, tmp_path / "x.sqlite")


def package_descriptor() -> dict:
    return json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))


def test_datasette_metadata_from_the_schemas(published):
    tables, schemas = published
    meta = datasette_metadata(package_descriptor(), schemas, database="contratville")
    tables = meta["databases"]["contratville"]["tables"]
    assert set(tables) == set(schemas)
    assert tables["communes"]["title"] == "Les communes"
    assert tables["communes"]["columns"]["commune_code"].startswith("Code commune INSEE — ")
    assert tables["signatories"]["facets"] == ["category", "siren_confidence"]
    assert meta["license_url"] == "https://spdx.org/licenses/etalab-2.0.html"
    assert "la-politique-de-la-ville-cest-ou" in meta["description_html"]
    assert "units" not in tables["contract"]  # no field declares a unit yet
    with_unit = {"contract": {**schemas["contract"], "fields": [
        dict(f, unit="percent") if f["name"] == "population_share_stated_percent" else f
        for f in schemas["contract"]["fields"]]}}
    assert datasette_metadata(package_descriptor(), with_unit, database="x")["databases"]["x"]["tables"]["contract"][
        "units"] == {"population_share_stated_percent": "percent"}


def test_datasette_shows_the_tables_their_titles_and_links(published, database, tmp_path):
    require(importlib.util.find_spec("datasette") is not None, "datasette", "pip install datasette")
    from datasette.app import Datasette

    tables, schemas = published
    meta_path = tmp_path / "metadata.json"
    write_datasette_metadata(datasette_metadata(package_descriptor(), schemas, database=database.stem), meta_path)
    metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    db = database.stem

    async def pages():
        datasette = Datasette([str(database)], metadata=metadata)
        urls = [f"/{db}.json", f"/{db}/communes.json?_labels=on&_shape=objects", f"/{db}/signatories",
                f"/{db}/communes/42218.json?_extras=foreign_key_tables", "/"]
        return [await datasette.client.get(url) for url in urls]

    database_json, communes, signatories, commune, index = asyncio.run(pages())
    assert all(r.status_code == 200 for r in (database_json, communes, signatories, commune, index))
    listed = {t["name"]: t for t in database_json.json()["tables"]}
    assert set(listed) == set(schemas)
    assert {fk["other_table"] for fk in listed["communes"]["foreign_keys"]["incoming"]} == \
        _referencing(schemas, "communes")
    first = communes.json()["rows"][0]
    assert first["commune_code"] == "42005"
    assert first["source_id"] == {"value": "sem-contrat-de-ville-2024-2030", "label": "Le Contrat de Ville 2024-2030"}
    html = signatories.text
    assert "<h1>Les signataires</h1>" in html
    assert f'<a href="/{db}/communes/42218">Saint-Étienne</a>' in html
    assert 'id="facet-category"' in html and "Catégorie — " in html
    links = {t["other_table"]: t["count"] for t in commune.json()["foreign_key_tables"]}
    assert links == {name: int((tables[name]["commune_code"] == "42218").sum())
                     for name in _referencing(schemas, "communes")}
    assert links["neighbourhood_communes"] == 12, "Saint-Étienne's 12 neighbourhoods"
    assert re.search(r"<h1>Contrat de Ville 2024–2030 de Saint-Étienne Métropole</h1>", index.text)
    assert "Licence Ouverte" in index.text
