"""The shortcuts validate takes for speed answer as the long way does, and stop when asked."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pyarrow as pa
import pytest
from frictionless import Resource

from contratville_data import csvproof
from contratville_data.process_settings import SETTINGS
from contratville_data.validate import cells, metadata_check, validate_package
from contratville_data.validate.metadata_check import ProfileCheck, profile_problems
from contratville_data.validate.scan import _how_read, plain_format

from .test_synthetic import ROWS, compare_with_frictionless, faulty_package, synthetic


@pytest.mark.parametrize("resource", [
    {"name": "t", "path": "build/t.csv", "format": "csv"},
    {"name": "t", "path": "build/t.csv", "format": "csv", "encoding": "utf-8", "mediatype": "text/csv",
     "schema": "s.json", "bytes": 3, "hash": "sha256:00", "title": "T", "description": "D", "type": "table"},
    {"name": "t", "path": "T.CSV", "format": "csv", "scheme": "file"},
    {"name": "t", "path": "build/t.parquet", "format": "parquet"},
    {"name": "t", "path": "build/t.csv.gz", "format": "csv"},
    {"name": "t", "path": "build/t.zip", "format": "csv"},
    {"name": "t", "path": "build/t.csv", "format": "csv", "compression": "gz"},
    {"name": "t", "path": "build/t.csv", "format": "csv", "innerpath": "x.csv"},
    {"name": "t", "path": "build/t.csv", "format": "parquet"},
    {"name": "t", "path": "build/t.txt", "format": "csv"},
    {"name": "t", "path": "build/t.csv"},
    {"name": "t", "path": "build/t.csv", "format": "csv", "type": "file"},
    {"name": "t", "path": "build/t.csv", "format": "csv", "dialect": {"delimiter": ";"}},
    {"name": "t", "path": "build/t.json", "format": "json"},
])
def test_a_plain_resource_is_read_as_frictionless_reads_it(resource):
    """Where ``plain_format`` answers without frictionless, frictionless answers the same."""
    found = Resource({k: v for k, v in resource.items() if k not in ("schema", "dialect")})
    theirs = (found.type, found.format, found.compression, found.innerpath)
    if plain_format(resource) is not None:
        assert _how_read(resource) == theirs == ("table", plain_format(resource), None, None)
    else:
        assert _how_read(resource) == theirs


BROKEN = {"name": "Not a valid name!", "licenses": "CC-BY-4.0",
          "resources": [{"name": "t", "path": "t.csv", "format": "csv", "bytes": "many"}]}


def test_the_metadata_check_finds_the_same_problems_in_a_child_process_and_in_place():
    in_place = ProfileCheck(BROKEN, False, in_place=True)
    child = ProfileCheck(BROKEN, False, in_place=False)
    assert child.child is not None and in_place.child is None
    assert child.problems() == in_place.problems()
    assert [(p.type, p.file) for p in child.problems()] == \
        [("package-error", "datapackage.json"), ("resource-error", "datapackage.json")]
    assert child.child.poll() is not None  # the child has ended


def test_a_child_that_fails_leaves_the_check_to_this_process(monkeypatch):
    monkeypatch.setattr(metadata_check.sys, "executable", "/bin/false")
    check = ProfileCheck(BROKEN, False, in_place=False)
    assert check.child is not None
    assert check.problems() == profile_problems(BROKEN)


def test_a_child_that_cannot_start_leaves_the_check_to_this_process(monkeypatch):
    monkeypatch.setattr(metadata_check.sys, "executable", "/nonexistent/python")
    check = ProfileCheck(BROKEN, False, in_place=False)
    assert check.child is None and check.problems() == profile_problems(BROKEN)


def test_a_fresh_validate_of_a_valid_package_imports_neither_frictionless_nor_pandas(tmp_path):
    descriptor = synthetic.write_package(synthetic.generate(ROWS), tmp_path / "package")
    script = ("import sys; from pathlib import Path; from contratville_data.validate import validate_package; "
              "report = validate_package(Path(sys.argv[1])); "
              "print(json.dumps([report.valid, 'frictionless' in sys.modules, 'pandas' in sys.modules]))")
    output = subprocess.run([sys.executable, "-c", "import json; " + script, str(descriptor)], capture_output=True,
                            text=True, check=True).stdout
    assert json.loads(output) == [True, False, False]


def test_a_broken_descriptor_is_reported_by_a_fresh_validate_as_by_frictionless(tmp_path):
    descriptor = synthetic.write_package(synthetic.generate(ROWS), tmp_path / "package")
    document = json.loads(descriptor.read_text(encoding="utf-8"))
    document["licenses"] = "CC-BY-4.0"
    descriptor.write_text(json.dumps(document), encoding="utf-8")
    script = ("import json, sys; from pathlib import Path; from contratville_data.validate import validate_package; "
              "print(json.dumps([p.to_dict() for p in validate_package(Path(sys.argv[1])).problems]))")
    output = subprocess.run([sys.executable, "-c", script, str(descriptor)], capture_output=True, text=True,
                            check=True).stdout
    expected = [p.to_dict() for p in profile_problems(document)]
    assert json.loads(output) == expected and expected


@pytest.mark.parametrize("row", [3, -3])
def test_foreign_keys_looked_up_a_few_values_at_a_time_find_a_broken_one_anywhere(tmp_path, small_batches,
                                                                                 monkeypatch, row):
    monkeypatch.setattr(csvproof, "LOOKUP_VALUES", 40)
    links = synthetic.generate(ROWS)["neighbourhood_communes"].num_rows
    descriptor = faulty_package(tmp_path, "neighbourhood_communes", "neighbourhood_id", row % links, "nulle-part")
    assert compare_with_frictionless(descriptor) == {("foreign-key", "neighbourhood_communes", row % links + 2)}


PARENT = {"fields": [{"name": "id", "type": "string", "constraints": {"pattern": "[a-z-]+"}}], "primaryKey": ["id"]}


@pytest.mark.parametrize("pattern, proven", [("[a-z-]+", True), ("[a-z]+", False), (None, True)])
def test_a_foreign_key_field_is_held_to_its_own_pattern_unless_it_is_its_parent_s(pattern, proven):
    child = {"fields": [{"name": "ref", "type": "string", "constraints": {"pattern": pattern} if pattern else {}}],
             "foreignKeys": [{"fields": ["ref"], "reference": {"resource": "parent", "fields": ["id"]}}]}
    resources = [{"name": n, "path": f"{n}.csv", "format": "csv", "encoding": "utf-8"} for n in ("parent", "child")]
    data = {"parent": b"id\nun-deux\ntrois\n", "child": b"ref\nun-deux\ntrois\n"}
    found = dict(csvproof.prove_valid(resources, {"parent": PARENT, "child": child},
                                      lambda name: pa.py_buffer(data[name])))
    assert found == ({"parent": 2, "child": 2} if proven else {"parent": 2})


def test_tables_proven_side_by_side_stop_when_the_reader_stops(tmp_path, small_batches):
    tables = synthetic.generate(ROWS * 10)
    descriptor = synthetic.write_package(tables, tmp_path / "package")
    document = json.loads(descriptor.read_text(encoding="utf-8"))
    csvs = [r for r in document["resources"] if r["format"] == "csv"]
    schemas = {r["name"]: json.loads((descriptor.parent / r["schema"]).read_text(encoding="utf-8")) for r in csvs}
    seen: dict[str, int] = {}

    def watch(name):
        seen[name] = 0

        def slowly(batch, offset):
            time.sleep(0.02)
            seen[name] = offset + batch.num_rows

        return [slowly]

    proofs = csvproof.prove_valid(csvs, schemas, lambda name: descriptor.parent / f"build/{name}.csv", watch)
    done = {next(proofs)[0], next(proofs)[0]}
    proofs.close()
    deadline = time.monotonic() + 10
    while any(t.name.startswith("csvproof") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("csvproof")]
    under_way = set(seen) - done
    assert under_way, "a table was being proven beside the one that ended"
    assert all(seen[name] < tables[name].num_rows for name in under_way), "it stopped part-read"


def test_problems_come_in_the_descriptor_s_order_whichever_table_ends_first(tmp_path, small_batches, monkeypatch):
    descriptor = synthetic.write_package(synthetic.generate(ROWS), tmp_path / "package")
    order = [r["name"] for r in json.loads(descriptor.read_text(encoding="utf-8"))["resources"]]
    monkeypatch.setattr(cells, "MAX_CELL_CHARS", 12)
    seen = cells.LongestCells.__call__

    def slow_first_table(self, batch, offset):
        if self.resource["name"] == order[0]:
            time.sleep(0.05)  # the first table of the descriptor ends after the one proven beside it
        seen(self, batch, offset)

    monkeypatch.setattr(cells.LongestCells, "__call__", slow_first_table)
    found = [p.resource for p in validate_package(descriptor).problems if p.type == "cell-size"]
    assert len(set(found)) >= 3 and found[0] == order[0]
    assert found == sorted(found, key=order.index)


def test_the_command_sets_the_native_libraries_unless_the_environment_says_otherwise():
    script = ("import os; [os.environ.pop(name, None) for name in SETTINGS]; "
              "os.environ['NUMPY_MADVISE_HUGEPAGE'] = '1'; import contratville_data.cli, json, sys; "
              "print(json.dumps([{name: os.environ[name] for name in SETTINGS}, "
              "'pyarrow' in sys.modules, 'numpy' in sys.modules]))")
    output = subprocess.run([sys.executable, "-c", f"SETTINGS = {list(SETTINGS)!r}; " + script], capture_output=True,
                            text=True, check=True).stdout
    # set before either library is loaded
    assert json.loads(output) == [{**SETTINGS, "NUMPY_MADVISE_HUGEPAGE": "1"}, False, False]
