"""Same raw/ and schemas/ give byte-identical outputs, equal to what is committed."""

from __future__ import annotations

import csv
import io

from contratville_data.build import build

from .conftest import ROOT, published_bytes


def test_two_builds_give_identical_bytes_equal_to_the_commit(project, tmp_path):
    build(project)
    first = published_bytes(project)
    (project / "build" / "communes.csv").unlink()
    build(project)
    assert published_bytes(project) == first
    assert first == published_bytes(ROOT)


def test_rows_are_sorted_by_primary_key_and_csv_is_plain():
    for path in sorted((ROOT / "build").glob("*.csv")):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and data.endswith(b"\n")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        header, body = rows[0], rows[1:]
        assert body, path
        from contratville_data.schemas import load_schemas

        key = [header.index(k) for k in load_schemas(ROOT / "schemas")[path.stem].primary_key]
        keys = [tuple(row[i] for i in key) for row in body]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), path

