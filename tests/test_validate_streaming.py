"""validate reads files as streams of batches: what it finds does not depend on where the batches end."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contratville_data import csvproof
from contratville_data.validate import cells, twins, validate_package
from contratville_data.validate.scan import Bounds, scan_problems

from .test_synthetic import ROWS, compare_with_frictionless, faulty_package, synthetic


def proven(descriptor: Path) -> dict[str, int]:
    document = json.loads(descriptor.read_text(encoding="utf-8"))
    csvs = [r for r in document["resources"] if r["format"] == "csv"]
    schemas = {r["name"]: json.loads((descriptor.parent / r["schema"]).read_text(encoding="utf-8")) for r in csvs}
    paths = {r["name"]: descriptor.parent / r["path"] for r in csvs}
    return dict(csvproof.prove_valid(csvs, schemas, lambda name: paths[name]))


def test_every_table_is_proven_batch_by_batch(tmp_path, small_batches):
    tables = synthetic.generate(ROWS)
    descriptor = synthetic.write_package(tables, tmp_path / "package")
    assert proven(descriptor) == {name: table.num_rows for name, table in tables.items()}
    assert validate_package(descriptor).valid


def test_a_duplicate_far_from_its_first_occurrence_is_frictionless_s_to_report(tmp_path, small_batches):
    names = synthetic.generate(ROWS)["signatories"]["name"].to_pylist()
    descriptor = faulty_package(tmp_path, "signatories", "name", len(names) - 1, names[0])
    assert "signatories" not in proven(descriptor)
    assert compare_with_frictionless(descriptor) == {("unique-error", "signatories", len(names) + 1)}


def test_a_broken_foreign_key_in_a_late_batch_is_reported_as_frictionless_reports_it(tmp_path, small_batches):
    links = synthetic.generate(ROWS)["neighbourhood_communes"].num_rows
    descriptor = faulty_package(tmp_path, "neighbourhood_communes", "commune_code", links - 2, "42999")
    assert "neighbourhood_communes" not in proven(descriptor)
    assert compare_with_frictionless(descriptor) == {("foreign-key", "neighbourhood_communes", links)}


def test_a_duplicate_primary_key_across_batches_is_reported_as_frictionless_reports_it(tmp_path, small_batches):
    links = synthetic.generate(ROWS)["neighbourhood_communes"].to_pylist()
    first: dict[str, int] = {}
    rows = [i for i, link in enumerate(links) if first.setdefault(link["neighbourhood_id"], i) != i]
    row = max(rows, key=lambda i: i - first[links[i]["neighbourhood_id"]])
    earlier = links[first[links[row]["neighbourhood_id"]]]
    descriptor = faulty_package(tmp_path, "neighbourhood_communes", "commune_code", row, earlier["commune_code"])
    assert "neighbourhood_communes" not in proven(descriptor)
    assert compare_with_frictionless(descriptor) == {("primary-key", "neighbourhood_communes", row + 2)}


def _twin_faults(tmp_path: Path) -> Path:
    """A package whose signatories Parquet twin differs from its CSV in three cells, far apart."""
    descriptor = synthetic.write_package(synthetic.generate(ROWS), tmp_path / "package")
    path = descriptor.parent / "build" / "signatories.parquet"
    table = pq.read_table(path)
    names = table["name"].to_pylist()
    for row in (1, len(names) // 2, len(names) - 1):
        names[row] = f"autre {row}"
    table = table.set_column(table.schema.get_field_index("name"), table.schema.field("name"),
                             pa.array(names, pa.string()))
    pq.write_table(table, path)
    document = json.loads(descriptor.read_text(encoding="utf-8"))
    for resource in document["resources"]:
        resource.pop("hash", None)
        resource.pop("bytes", None)
    descriptor.write_text(json.dumps(document), encoding="utf-8")
    return descriptor


def test_twin_differences_do_not_depend_on_the_batches(tmp_path, monkeypatch):
    descriptor = _twin_faults(tmp_path)
    whole = [p.to_dict() for p in validate_package(descriptor).problems]
    monkeypatch.setattr(csvproof, "BLOCK_BYTES", 2048)
    monkeypatch.setattr(twins, "BATCH_ROWS", 7)
    batched = [p.to_dict() for p in validate_package(descriptor).problems]
    assert batched == whole
    rows = pq.read_metadata(descriptor.parent / "build" / "signatories.parquet").num_rows
    assert [(p["type"], p["field"], p["row"]) for p in whole] == \
        [("parquet-twin", "name", row + 1) for row in (1, rows // 2, rows - 1)]


def test_siren_and_long_cells_are_found_in_any_batch(tmp_path, monkeypatch):
    tables = synthetic.generate(ROWS)
    signatories = tables["signatories"]
    sirens = signatories["siren"].to_pylist()
    bad = [row for row, value in enumerate(sirens) if value][-1]
    sirens[bad] = sirens[bad][:8] + str((int(sirens[bad][8]) + 1) % 10)
    notes = signatories["note"].to_pylist()
    notes[-3] = "x" * 5000  # the longest note
    for name, values in (("siren", sirens), ("note", notes)):
        index = signatories.schema.get_field_index(name)
        signatories = signatories.set_column(index, signatories.schema.field(index), pa.array(values, pa.string()))
    tables["signatories"] = signatories
    descriptor = synthetic.write_package(tables, tmp_path / "package")
    monkeypatch.setattr(cells, "MAX_CELL_CHARS", 40)
    whole = [p.to_dict() for p in validate_package(descriptor).problems]
    monkeypatch.setattr(csvproof, "BLOCK_BYTES", 16384)  # room for the long line: a batch holds whole lines
    batched = [p.to_dict() for p in validate_package(descriptor).problems]
    assert batched == whole
    assert [(p["resource"], p["field"], p["row"]) for p in whole if p["type"] == "check-digit"] == \
        [("signatories", "siren", bad + 1)]
    assert ("signatories", "note", len(notes) - 2) in \
        {(p["resource"], p["field"], p["row"]) for p in whole if p["type"] == "cell-size"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=80)), min_size=1, max_size=60), st.integers(1, 9))
def test_a_value_hashes_alike_in_any_batch(values, size):
    column = pa.array(values, pa.string())
    seen: dict[str, int] = {}
    for start in range(0, len(values), size):
        batch = column.slice(start, size)
        for value, hashed in zip([v for v in batch.to_pylist() if v is not None], csvproof._row_hashes(batch)):
            assert seen.setdefault(value, int(hashed)) == int(hashed)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("fault", ["nul", "long"])
def test_the_line_of_a_bound_broken_far_into_a_file(tmp_path, newline, fault):
    lines = [f"row{index:03d},value" for index in range(200)]
    at = 157
    lines[at] = "row,\x00" if fault == "nul" else "x" * 100
    path = tmp_path / "table.csv"
    path.write_bytes(newline.join(lines).encode("ascii") + newline.encode("ascii"))
    resource = {"name": "table", "path": "table.csv", "format": "csv"}
    found = scan_problems(resource, path, Bounds(max_line_bytes=48))
    assert [(p.type, p.line) for p in found] == \
        [("binary-content" if fault == "nul" else "line-too-long", at + 1)]


SELF = {"fields": [{"name": "id", "type": "string", "constraints": {"required": True, "unique": True}},
                   {"name": "parent", "type": "string"}, {"name": "rank", "type": "integer"}],
        "primaryKey": ["id"], "foreignKeys": [{"fields": ["parent"], "reference": {"resource": "", "fields": ["id"]}}]}


@pytest.mark.parametrize("rows, proven_", [
    ([("a", "", 1), ("b", "a", 2), ("c", "b", 3)], True),
    ([("a", "", 1), ("b", "z", 2), ("c", "b", 3)], False),  # z is no id
    ([("a", "", 1), ("b", "a", 2), ("a", "b", 3)], False),  # a twice
])
def test_a_table_referencing_itself_is_proven_only_when_its_keys_hold(rows, proven_, monkeypatch):
    monkeypatch.setattr(csvproof, "BLOCK_BYTES", 16)
    text = "id,parent,rank\n" + "".join(f"{i},{p},{r}\n" for i, p, r in rows)
    resource = {"name": "tree", "path": "tree.csv", "format": "csv", "encoding": "utf-8", "schema": "tree.json"}
    found = dict(csvproof.prove_valid([resource], {"tree": SELF}, lambda name: pa.py_buffer(text.encode())))
    assert ("tree" in found) is proven_


def test_a_foreign_key_to_a_field_of_another_type_is_left_to_frictionless():
    parent = {"fields": [{"name": "id", "type": "integer"}], "primaryKey": ["id"]}
    child = {"fields": [{"name": "ref", "type": "string"}],
             "foreignKeys": [{"fields": ["ref"], "reference": {"resource": "parent", "fields": ["id"]}}]}
    resources = [{"name": n, "path": f"{n}.csv", "format": "csv", "encoding": "utf-8"} for n in ("parent", "child")]
    data = {"parent": b"id\n1\n2\n", "child": b"ref\n1\n"}
    found = dict(csvproof.prove_valid(resources, {"parent": parent, "child": child},
                                      lambda name: pa.py_buffer(data[name])))
    assert found == {"parent": 2}
