"""The synthetic package (scripts/synthetic.py), and faults injected into it: our report against frictionless's."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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


def test_the_files_are_the_project_writers_files_whatever_the_batches(tmp_path, monkeypatch):
    """The streamed CSV and Parquet equal write_csv's and write_parquet's; CSV bytes ignore the batch size."""
    import pandas as pd

    from contratville_data.write import write_csv, write_parquet

    tables = synthetic.generate(ROWS)
    exact = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype(),
             pa.date32(): pd.ArrowDtype(pa.date32())}
    for name, schema in load_schemas(ROOT / "schemas").items():
        frame = tables[name].to_pandas(types_mapper=exact.get).astype(schema.pandas_dtypes())
        write_csv(frame, tmp_path / "pandas.csv", schema)
        write_parquet(frame, tmp_path / "pandas.parquet", schema)
        synthetic.write_files([tables[name]], tmp_path / "arrow.csv", tmp_path / "arrow.parquet", schema)
        assert (tmp_path / "arrow.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes(), name
        assert (tmp_path / "arrow.parquet").read_bytes() == (tmp_path / "pandas.parquet").read_bytes(), name
    whole = files(synthetic.write_package(tables, tmp_path / "whole").parent)
    monkeypatch.setattr(synthetic, "BATCH", 7)
    monkeypatch.setattr(synthetic, "CSV_SLICE", 3)
    batched = files(synthetic.write_package(synthetic.stream(ROWS), tmp_path / "batched").parent)
    assert {p: b for p, b in batched.items() if p.endswith(".csv")} == \
        {p: b for p, b in whole.items() if p.endswith(".csv")}


def test_a_pattern_without_a_generator_is_refused_clearly():
    field = {"name": "code", "type": "string", "example": "ABC", "constraints": {"pattern": "^[A-Z]{3}$"}}
    with pytest.raises(ValueError, match="no synthetic values for the pattern"):
        synthetic._values(field, np.arange(3), 3)


def test_ten_million_rows_fit_the_key_spaces():
    """Above the commune codes' 101,000, communes stop growing and the other tables share the rest."""
    rows = synthetic.table_rows(10_000_000)
    assert sum(rows.values()) == 10_000_000
    assert rows["communes"] == synthetic.COG_CODES == 101_000
    small = synthetic.table_rows(ROWS)
    assert all(rows[name] > 10_000_000 * small[name] // ROWS for name in rows if name != "communes")


def test_a_batch_far_into_a_ten_million_row_package_is_consistent():
    """Codes over the whole COG pattern, unique; foreign keys among their parent's keys; SIRENs valid."""
    schemas = load_schemas(ROOT / "schemas")
    rows = synthetic.table_rows(10_000_000)
    codes = synthetic._column(schemas, rows, "communes", "commune_code", np.arange(rows["communes"]))
    assert len(pc.unique(codes)) == rows["communes"]
    assert pc.all(pc.match_substring_regex(codes, synthetic.COG)).as_py()
    assert {c[:2] for c in codes.to_pylist()} == set(synthetic.COG_PREFIXES)
    last = {name: np.arange(rows[name] - 1000, rows[name]) for name in rows}
    links = synthetic._table(schemas, rows, "neighbourhood_communes", last["neighbourhood_communes"])
    assert pc.all(pc.is_in(links["commune_code"], value_set=codes)).as_py()
    parents = synthetic._column(schemas, rows, "neighbourhoods", "neighbourhood_id", np.arange(rows["neighbourhoods"]))
    assert pc.all(pc.is_in(links["neighbourhood_id"], value_set=parents)).as_py()
    signatories = synthetic._table(schemas, rows, "signatories", last["signatories"])
    assert all(siren.is_valid(v) for v in signatories["siren"].drop_null().to_pylist())
    defis = synthetic._column(schemas, rows, "defis", "defi_id", np.arange(rows["defis"]))
    assert len(pc.unique(defis)) == rows["defis"]
    assert pc.all(pc.match_substring_regex(defis, synthetic.LETTERS)).as_py()


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
