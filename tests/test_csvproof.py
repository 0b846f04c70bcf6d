"""The Arrow proof is never looser than frictionless: a CSV it proves valid, frictionless finds valid."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pytest
from frictionless import Package
from hypothesis import event, given, settings
from hypothesis import strategies as st

from contratville_data.csvproof import _same_in_re2, prove_valid

from .conftest import ROOT
from .test_synthetic import synthetic

TABLES = ("communes", "contract", "neighbourhood_communes", "signatories", "sources")
#: Cells that frictionless reads differently from a plain reading, or that break a type or pattern.
TRICKY = ["0000-01-01", "", " ", "true", "True", "1", "+1", " 1", "1 ", "01", "1.0", "1_000", "-0",
          "99999999999999999999",
          "2024-02-30", "2024-7-1", " 2024-07-10", "2024-07-10", "42000", "42000\n", "٤٢٠٠٠", "2A001", "2a001",
          "A", "S", "a", "co-pilote", "commune", "x-1", "X-1", "x--1", "\x00", '"', "é"]
ALPHABET = "0123456789aAzé٣ -+_.,;\"'\t\n\r"


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    published = sum(len(path.read_text(encoding="utf-8").splitlines()) - 1 for path in (ROOT / "build").glob("*.csv"))
    return synthetic.write_package(synthetic.generate(published), tmp_path_factory.mktemp("proof"))


@st.composite
def edit(draw):
    """A table, and a change to one of its cells (written back as CSV) or to its raw text."""
    table = draw(st.sampled_from(TABLES))
    value = draw(st.one_of(st.sampled_from(TRICKY), st.text(ALPHABET, max_size=6)))
    if draw(st.booleans()):
        return table, "cell", draw(st.integers(0, 200)), draw(st.integers(0, 30)), value
    return table, "text", draw(st.floats(0, 1)), None, value


@given(change=edit())
@settings(max_examples=80, deadline=None)
def test_a_resource_proven_valid_is_valid_for_frictionless(package, change):
    table, kind, where, column, value = change
    path = package.parent / "build" / f"{table}.csv"
    original = path.read_bytes()
    try:
        path.write_bytes(_edited(original, kind, where, column, value))
        descriptor = json.loads(package.read_text(encoding="utf-8"))
        csvs = [{k: v for k, v in r.items() if k not in ("bytes", "hash")} for r in descriptor["resources"]
                if r["format"] == "csv"]
        schemas = {r["name"]: json.loads((package.parent / r["schema"]).read_text(encoding="utf-8")) for r in csvs}
        paths = {r["name"]: package.parent / r["path"] for r in csvs}
        proven = {name for name, _ in prove_valid(csvs, schemas, lambda name: pa.py_buffer(paths[name].read_bytes()))}
        event("proven" if table in proven else "left to frictionless")
        if table in proven:
            report = Package({**descriptor, "resources": csvs}, basepath=str(package.parent)).validate(name=table)
            assert report.valid, report.flatten(["type", "rowNumber", "fieldName", "note"])
    finally:
        path.write_bytes(original)


def _edited(data: bytes, kind: str, where, column, value: str) -> bytes:
    if kind == "text":
        at = int(where * len(data))
        return data[:at] + value.encode("utf-8") + data[at:]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    row = rows[1 + where % (len(rows) - 1)]
    row[column % len(row)] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("pattern, same", [
    (r"^([013-9]\d|2[AB1-9])\d{3}$", True), (r"^[a-z0-9]+(-[a-z0-9]+)*$", True), (r"^\d{9}$", True),
    (r"a\.b", True), (r"\w+", False), (r"\D", False), (r"[^\d]", False), (r"a{,3}", False), (r"(?i)a", False),
    (r"[[:alpha:]]", False), (r"\bA", False), ("(", False),
])
def test_patterns_are_proven_only_where_re2_and_python_agree(pattern, same):
    assert _same_in_re2(pattern) is same
