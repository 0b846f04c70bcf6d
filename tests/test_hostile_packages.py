"""A corpus of hostile packages: each ends `validate` with its expected problem type, quickly, never a traceback.

Every entry changes a copy of the published package (descriptor and build/) in one way an attacker
or a clumsy publisher would, and names the problem type `validate` must report. The run must be
fast (the bounds stop it early) and end with exit 1 and a JSON report: CliRunner re-raises any
exception, so a traceback fails the test.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from contratville_data.cli import main

from .conftest import ROOT

#: Seconds any entry may take (the 1.5 GB and 2 GiB files included): bounds stop reading early.
FAST = 30


@pytest.fixture
def package(tmp_path) -> Path:
    """A copy of the published package alone: datapackage.json and build/."""
    copy = tmp_path / "package"
    copy.mkdir()
    shutil.copy(ROOT / "datapackage.json", copy / "datapackage.json")
    shutil.copytree(ROOT / "build", copy / "build")
    return copy


def descriptor(package: Path) -> dict:
    return json.loads((package / "datapackage.json").read_text(encoding="utf-8"))


def save(package: Path, document: dict, *, rehash: bool = True) -> None:
    """Write the descriptor, declaring the files' current sizes and hashes so only the attack is wrong."""
    if rehash:
        for resource in document["resources"]:
            path = package / resource["path"]
            if 0 <= _size(path) < 10**7:
                resource["hash"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
                if "bytes" in resource:
                    resource["bytes"] = path.stat().st_size
            else:
                resource.pop("hash", None)
                resource.pop("bytes", None)
    (package / "datapackage.json").write_text(json.dumps(document), encoding="utf-8")


def _size(path: Path) -> int:
    """The file's size, or -1 when there is no such regular file (or no such name)."""
    try:
        return path.stat().st_size if path.is_file() else -1
    except (OSError, ValueError):
        return -1


def resource(document: dict, name: str) -> dict:
    return next(r for r in document["resources"] if r["name"] == name)


def edit(package: Path, change) -> None:
    document = descriptor(package)
    change(document)
    save(package, document)


def csv_only(document: dict) -> None:
    """Keep the CSV resources: an attack on a CSV is not also a Parquet twin's difference."""
    document["resources"] = [r for r in document["resources"] if r.get("format") == "csv"]


# The attacks: each changes the package in place.

def nul_in_path(package):
    edit(package, lambda d: resource(d, "defis").update(path="build/de\x00fis.csv"))


def long_path(package):
    edit(package, lambda d: resource(d, "defis").update(path="build/" + "a" * 6000 + ".csv"))


def symlink_loop(package):
    os.symlink("loop.csv", package / "build" / "loop.csv")
    edit(package, lambda d: resource(d, "defis").update(path="build/loop.csv"))


def deep_descriptor(package):
    (package / "datapackage.json").write_text('{"a":' * 100_000 + "1" + "}" * 100_000, encoding="utf-8")


def deep_inline_schema(package):
    nested: dict = {}
    for _ in range(100):
        nested = {"a": nested}
    edit(package, lambda d: resource(d, "defis").update(schema={"fields": [], "x": nested}))


def deep_schema_file(package):
    (package / "build" / "schemas" / "defis.schema.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


def shake_128_hash(package):
    document = descriptor(package)
    save(package, document)
    resource(document, "defis")["hash"] = "shake_128:" + hashlib.shake_128(b"").hexdigest(16)
    save(package, document, rehash=False)


def file_url_schema(package):
    schema = package / "build" / "schemas" / "defis.schema.json"
    edit(package, lambda d: resource(d, "defis").update(schema=schema.as_uri()))


def hundred_thousand_columns(package):
    (package / "build" / "defis.csv").write_text(",".join(f"c{i}" for i in range(100_000)) + "\n", encoding="utf-8")
    edit(package, csv_only)


def rows_then_nul_bytes(package):
    path = package / "build" / "defis.csv"
    with path.open("r+b") as handle:  # 1.5 GB of NUL bytes, sparse on disk
        handle.truncate(path.stat().st_size + 1_500_000_000)
    edit(package, csv_only)


def gzip_bomb(package):
    """A gzip file of a few kilobytes that expands to 2 GiB: one compressed MiB of rows, 2048 times."""
    header = (package / "build" / "defis.csv").read_bytes()
    rows = b"x,1,y,z,w\n" * ((1 << 20) // 10 + 1)
    member = gzip.compress(rows[: 1 << 20], compresslevel=9)
    with (package / "build" / "defis.csv.gz").open("wb") as handle:
        handle.write(gzip.compress(header))
        for _ in range(2048):
            handle.write(member)
    edit(package, lambda d: (csv_only(d), resource(d, "defis").update(path="build/defis.csv.gz")))


def one_long_line(package):
    path = package / "build" / "defis.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n") + b"x" * 100_000_000 + b"\n")
    edit(package, csv_only)


def backtracking_pattern(package):
    """``^(a+)+$`` on a 33-character note: minutes in Python's re, linear in RE2."""
    schema_path = package / "build" / "schemas" / "sources.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == "note")["constraints"] = {"pattern": "^(a+)+$"}
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    path = package / "build" / "sources.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows.append([rows[-1][0] + "-x", *rows[-1][1:-1], "a" * 33 + "!"])
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    edit(package, csv_only)


def backreference_pattern(package):
    edit(package, lambda d: (csv_only(d), resource(d, "defis").update(schema={
        "fields": [{"name": "defi_id", "type": "string", "constraints": {"pattern": r"^(a)\1$"}}]})))


def excel_table(package):
    shutil.copy(package / "build" / "defis.csv", package / "build" / "defis.xlsx")
    edit(package, lambda d: resource(d, "defis").update(path="build/defis.xlsx", format="xlsx"))


def remote_scheme_on_a_local_path(package):
    edit(package, lambda d: resource(d, "defis").update(scheme="s3"))


def compression_codec_as_encoding(package):
    edit(package, lambda d: resource(d, "defis").update(encoding="zlib_codec"))


def symlinked_descriptor(package):
    """datapackage.json links to another package's descriptor, in another folder."""
    other = package.parent / "other"
    other.mkdir()
    (package / "datapackage.json").rename(other / "datapackage.json")
    os.symlink(other / "datapackage.json", package / "datapackage.json")


def parquet_footer_claims_more_rows(package):
    claim_rows(package / "build" / "communes.parquet", 500_000_000)
    edit(package, lambda d: None)


def huge_cell(package):
    path = package / "build" / "defis.csv"
    path.write_bytes(path.read_bytes().replace(b"mon quartier agit", b"mon quartier agit" + b" x" * 70_000))
    edit(package, csv_only)


def compressed_zip_member_encrypted(package):
    """A zip whose member says it is encrypted (general purpose flag bit 0, in both headers)."""
    import zipfile

    path = package / "build" / "defis.csv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(package / "build" / "defis.csv", "defis.csv")
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("defis.csv").flag_bits & 0x1
    edit(package, lambda d: (csv_only(d), resource(d, "defis").update(path="build/defis.csv.zip")))


#: (attack, extra options, expected problem type)
CORPUS = [
    (nul_in_path, [], "unsafe-path"),
    (long_path, [], "unsafe-path"),
    (symlink_loop, [], "unsafe-path"),
    (deep_descriptor, [], "descriptor"),
    (deep_inline_schema, [], "descriptor"),
    (deep_schema_file, [], "schema-error"),
    (shake_128_hash, [], "hash-count"),
    (file_url_schema, ["--allow-remote"], "unsafe-path"),
    (hundred_thousand_columns, [], "too-many-columns"),
    (rows_then_nul_bytes, ["--max-rows", "100"], "binary-content"),
    (gzip_bomb, ["--max-bytes", "100000000"], "too-large"),
    (one_long_line, [], "line-too-long"),
    (backtracking_pattern, [], "constraint-error"),
    (backreference_pattern, [], "unsafe-pattern"),
    (excel_table, [], "unsupported-format"),
    (remote_scheme_on_a_local_path, [], "unsafe-path"),
    (compression_codec_as_encoding, [], "descriptor"),
    (symlinked_descriptor, [], "unsafe-path"),
    (parquet_footer_claims_more_rows, [], "parquet"),
    (huge_cell, [], "cell-size"),
    (compressed_zip_member_encrypted, [], "compression-error"),
]


@pytest.mark.parametrize(("attack", "options", "expected"), CORPUS, ids=[entry[0].__name__ for entry in CORPUS])
def test_a_hostile_package_ends_with_its_problem_type(package, attack, options, expected):
    attack(package)
    start = time.monotonic()
    result = CliRunner().invoke(main, ["validate", str(package / "datapackage.json"), "--json", *options],
                                catch_exceptions=False)
    elapsed = time.monotonic() - start
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["valid"] is False
    assert expected in {p["type"] for p in report["problems"]}, report["problems"][:5]
    assert elapsed < FAST


def test_the_gzip_bomb_is_refused_under_the_default_bound_too(package):
    gzip_bomb(package)
    assert (package / "build" / "defis.csv.gz").stat().st_size < 10**7
    result = CliRunner().invoke(main, ["validate", str(package / "datapackage.json"), "--json"],
                                catch_exceptions=False)
    assert [p["type"] for p in json.loads(result.output)["problems"]] == ["too-large"]


def test_the_backtracking_pattern_is_matched_by_re2_on_the_cell_it_would_hang_on(package):
    backtracking_pattern(package)
    result = CliRunner().invoke(main, ["validate", str(package / "datapackage.json"), "--json"],
                                catch_exceptions=False)
    values = {p["value"] for p in json.loads(result.output)["problems"] if p["type"] == "constraint-error"}
    assert "a" * 33 + "!" in values


def test_a_large_invalid_table_stops_at_the_time_budget(package):
    """300,000 rows for frictionless, one bad at the end: a one-second budget stops it and says so."""
    path = package / "build" / "defis.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    rows = [f"{_letters(i)},{i + 1},slogan {i},aim,sem-contrat-de-ville-2024-2030" for i in range(300_000)]
    path.write_text("\n".join([header, *rows, "bad,x,slogan,aim,sem-contrat-de-ville-2024-2030"]) + "\n",
                    encoding="utf-8")
    edit(package, csv_only)
    start = time.monotonic()
    result = CliRunner().invoke(main, ["validate", str(package / "datapackage.json"), "--json", "--max-seconds", "1"],
                                catch_exceptions=False)
    assert time.monotonic() - start < 60, "stopped by the budget, not by the end of the work (a loaded machine is slow)"
    problems = json.loads(result.output)["problems"]
    assert result.exit_code == 1 and problems[-1]["type"] == "time-budget"
    assert "--max-seconds" in problems[-1]["hint"]


def _letters(number: int) -> str:
    """A distinct lower-case word for each number (the defi_id pattern is ``^[a-z]+$``)."""
    word = ""
    number += 1
    while number:
        number, digit = divmod(number - 1, 26)
        word = chr(ord("a") + digit) + word
    return word


def claim_rows(path: Path, claimed: int) -> None:
    """Patch a Parquet footer's row count (FileMetaData field 3, just before the row-group list)."""
    import pyarrow.parquet as pq

    def varint(value: int) -> bytes:
        out = bytearray()
        while True:
            byte, value = value & 0x7F, value >> 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                return bytes(out)

    meta = pq.read_metadata(path)
    data = path.read_bytes()
    size = int.from_bytes(data[-8:-4], "little")
    footer = data[-8 - size:-8]
    groups = bytes([0x19, (meta.num_row_groups << 4) | 0xC])
    old = b"\x16" + varint(meta.num_rows * 2) + groups  # zigzag-encoded i64, compact protocol
    assert footer.count(old) == 1
    new = footer.replace(old, b"\x16" + varint(claimed * 2) + groups)
    path.write_bytes(data[:-8 - size] + new + len(new).to_bytes(4, "little") + b"PAR1")
    patched = pq.read_metadata(path)
    assert patched.num_rows == claimed and sum(patched.row_group(i).num_rows
                                               for i in range(patched.num_row_groups)) == meta.num_rows

