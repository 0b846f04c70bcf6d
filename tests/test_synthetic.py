"""The synthetic package (scripts/synthetic.py), and faults injected into it: our report against frictionless's."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pyarrow as pa
import pytest
from frictionless import Package
from stdnum.fr import siren

from contratville_data.csvproof import prove_valid
from contratville_data.schemas import load_schemas
from contratville_data.validate import validate_package

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("synthetic", ROOT / "scripts" / "synthetic.py")
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)

ROWS = 300


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_synthetic_package_is_valid_deterministic_and_takes_the_fast_path(tmp_path):
    tables = synthetic.generate(ROWS)
    assert sum(t.num_rows for t in tables.values()) == ROWS
    assert all(siren.is_valid(v) for v in tables["signatories"]["siren"].drop_null().to_pylist())
    first = synthetic.write_package(tables, tmp_path / "a")
    second = synthetic.write_package(synthetic.generate(ROWS), tmp_path / "b")
    assert files(first.parent) == files(second.parent)
    assert validate_package(first).valid
    assert Package(str(first)).validate().valid
    descriptor = json.loads(first.read_text(encoding="utf-8"))
    csvs = [r for r in descriptor["resources"] if r["format"] == "csv"]
    schemas = {r["name"]: json.loads((first.parent / r["schema"]).read_text(encoding="utf-8")) for r in csvs}
    paths = {r["name"]: first.parent / r["path"] for r in csvs}
    proven = [name for name, _ in prove_valid(csvs, schemas, lambda name: pa.py_buffer(paths[name].read_bytes()))]
    assert sorted(proven) == sorted(load_schemas(ROOT / "schemas")), "every valid CSV is proven without frictionless"


def test_too_few_rows_are_refused():
    with pytest.raises(ValueError, match="at least"):
        synthetic.generate(10)


def faulty_package(tmp_path: Path, table: str, column: str, row: int, value) -> Path:
    """A synthetic package whose CSV and Parquet twin both hold ``value`` at ``table.column[row]``."""
    tables = synthetic.generate(ROWS)
    values = tables[table][column].to_pylist()
    values[row] = value
    index = tables[table].schema.get_field_index(column)
    field = tables[table].schema.field(index)
    tables[table] = tables[table].set_column(index, field, pa.array(values, field.type))
    return synthetic.write_package(tables, tmp_path / "faulty")


def compare_with_frictionless(descriptor: Path) -> set[tuple]:
    """Our problems as (type, resource, line), checked equal to frictionless's on the same package."""
    ours = {(p.type, p.resource, p.line) for p in validate_package(descriptor).problems}
    theirs = Package(str(descriptor)).validate()
    on_csv = {(e.type, t.name, e.row_number) for t in theirs.tasks if t.place.endswith(".csv") for e in t.errors}
    on_parquet = {(e.type, t.name.removesuffix("-parquet"), e.row_number) for t in theirs.tasks
                  if t.place.endswith(".parquet") for e in t.errors}
    assert ours == on_csv
    assert on_parquet == on_csv, "frictionless finds the same faults in the Parquet twins, which equal their CSVs"
    return ours


def test_a_broken_foreign_key_is_reported_as_frictionless_reports_it(tmp_path):
    descriptor = faulty_package(tmp_path, "neighbourhood_communes", "commune_code", 5, "42999")
    assert compare_with_frictionless(descriptor) == {("foreign-key", "neighbourhood_communes", 7)}


def test_a_duplicate_key_is_reported_as_frictionless_reports_it(tmp_path):
    links = synthetic.generate(ROWS)["neighbourhood_communes"].to_pylist()
    first = {}
    row = next(i for i, link in enumerate(links) if first.setdefault(link["neighbourhood_id"], i) != i)
    earlier = links[first[links[row]["neighbourhood_id"]]]
    descriptor = faulty_package(tmp_path, "neighbourhood_communes", "commune_code", row, earlier["commune_code"])
    assert compare_with_frictionless(descriptor) == {("primary-key", "neighbourhood_communes", row + 2)}


def test_a_bad_pattern_is_reported_as_frictionless_reports_it(tmp_path):
    descriptor = faulty_package(tmp_path, "signatories", "signatory_id", 3, "Not A Slug")
    assert compare_with_frictionless(descriptor) == {("constraint-error", "signatories", 5)}
