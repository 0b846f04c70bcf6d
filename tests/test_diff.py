"""`contratville-data diff`: rows and schema changes between two packages, on modified copies."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from contratville_data.build import build
from contratville_data.cli import main
from contratville_data.schemas import load_schemas

from .conftest import ROOT

PUBLISHED = ROOT / "datapackage.json"
TABLE_COUNT = len(load_schemas(ROOT / "schemas"))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def diff_json(old: Path, new: Path) -> tuple[int, dict]:
    result = run("diff", old, new, "--json")
    return result.exit_code, json.loads(result.output)


def table(report: dict, name: str) -> dict:
    return next(t for t in report["tables"] if t["name"] == name)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_package_is_identical_to_its_copy(project):
    result = run("diff", PUBLISHED, project / "datapackage.json")
    assert result.exit_code == 0, result.output
    assert f"identical: {TABLE_COUNT} tables" in result.output


def test_an_added_row_is_reported_with_its_key_as_a_string(project):
    with (project / "build" / "communes.csv").open("a", encoding="utf-8") as handle:
        handle.write("01001,L'Abergement-Clémenciat,reference-facts,sem-contrat-de-ville-2024-2030\n")
    code, report = diff_json(PUBLISHED, project / "datapackage.json")
    assert code == 1 and report["identical"] is False
    communes = table(report, "communes")
    assert communes["rows_added"] == [{"commune_code": "01001"}]
    assert communes["rows_removed"] == [] and communes["rows_changed"] == []
    assert [t["name"] for t in report["tables"] if t["status"] != "unchanged"] == ["communes"]


def test_a_removed_row_is_reported(project):
    path = project / "build" / "defis.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    removed_key = lines[-1].split(",")[0]
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    code, report = diff_json(PUBLISHED, project / "datapackage.json")
    assert code == 1
    defis = table(report, "defis")
    assert defis["rows_removed"] == [{"defi_id": removed_key}] and defis["rows_added"] == []


def test_a_changed_cell_from_a_rebuilt_package_is_reported_with_old_and_new_values(project):
    edit(project / "raw" / "defis.csv", "le sport", "les sports")
    build(project)
    code, report = diff_json(PUBLISHED, project / "datapackage.json")
    assert code == 1
    [change] = table(report, "defis")["rows_changed"]
    [(field, values)] = change["fields"].items()
    assert "le sport" in values["old"] and values["new"] == values["old"].replace("le sport", "les sports")
    text = run("diff", PUBLISHED, project / "datapackage.json").output
    assert f"~ row {change['key']['defi_id']}: {field} " in text
    assert f"different: 1 of {TABLE_COUNT} tables" in text


def test_added_removed_and_retyped_fields_are_schema_changes_not_row_changes(project):
    schema_path = project / "build" / "schemas" / "communes.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"].append({"name": "population", "type": "integer"})
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "code_source_id"]
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    path = project / "build" / "communes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",population"] + [line + "," for line in lines[1:]]) + "\n",
                    encoding="utf-8")
    signatories = project / "build" / "schemas" / "signatories.schema.json"
    edit(signatories, '"name": "position",\n      "type": "integer"', '"name": "position",\n      "type": "string"')
    code, report = diff_json(PUBLISHED, project / "datapackage.json")
    assert code == 1
    communes = table(report, "communes")
    assert communes["fields_added"] == [{"name": "population", "type": "integer"}]
    assert communes["fields_removed"] == [{"name": "code_source_id", "type": "string"}]
    assert communes["rows_changed"] == [], "a new field is not a change of every row"
    assert table(report, "signatories")["fields_retyped"] == [{"name": "position", "old": "integer", "new": "string"}]
    text = run("diff", PUBLISHED, project / "datapackage.json").output
    assert "+ field population (integer)" in text and "~ field position: integer -> string" in text


def test_a_release_zip_compares_with_a_descriptor(project, tmp_path):
    archive_path = tmp_path / "package.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        for path in [ROOT / "datapackage.json", *(p for p in (ROOT / "build").rglob("*") if p.is_file())]:
            archive.write(path, f"package-1/{path.relative_to(ROOT).as_posix()}")
    assert run("diff", archive_path, PUBLISHED).exit_code == 0
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "sources"]
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, report = diff_json(archive_path, project / "datapackage.json")
    assert code == 1
    assert table(report, "sources")["status"] == "removed" and table(report, "sources")["row_count"] == \
        len((ROOT / "raw" / "sources.csv").read_text(encoding="utf-8").splitlines()) - 1


def test_a_missing_file_is_a_usage_error(tmp_path):
    result = run("diff", PUBLISHED, tmp_path / "nope.json")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_file_that_is_not_a_package_is_a_usage_error_without_traceback():
    result = run("diff", ROOT / "README.md", PUBLISHED)
    assert result.exit_code == 2
    assert "error: " in result.output and "the descriptor: not valid JSON" in result.output
    assert "Traceback" not in result.output


def run_process(*args, timeout=60):
    """The command in its own process (a blocked read would hang the test runner), with its peak memory."""
    import resource
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "contratville_data", *map(str, args)], capture_output=True,
                            text=True, timeout=timeout)
    return result, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def test_a_fifo_is_refused_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "datapackage.json"
    os.mkfifo(fifo)
    result, _ = run_process("diff", PUBLISHED, fifo)
    assert result.returncode == 2 and "not a regular file" in result.stderr and "Traceback" not in result.stderr


def test_a_device_is_refused_without_reading_it():
    result, _ = run_process("diff", "/dev/zero", PUBLISHED)
    assert result.returncode == 2 and "not a regular file" in result.stderr


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _published_members() -> dict[str, bytes]:
    members = {"datapackage.json": PUBLISHED.read_bytes()}
    for path in (ROOT / "build").rglob("*"):
        if path.is_file():
            members[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    return members


def test_an_encrypted_zip_is_a_message(tmp_path):
    path = _zip(tmp_path / "package.zip", _published_members())
    data = bytearray(path.read_bytes())
    at = -1
    while (at := data.find(b"PK\x01\x02", at + 1)) >= 0:  # every central directory entry says: encrypted
        data[at + 8] |= 0x1
    path.write_bytes(bytes(data))
    result = run("diff", PUBLISHED, path)
    assert result.exit_code == 2 and "is encrypted" in result.output


def _mutated_zip(tmp_path, change) -> Path:
    members = _published_members()
    descriptor = json.loads(members["datapackage.json"])
    change(members, descriptor)
    members["datapackage.json"] = json.dumps(descriptor).encode()
    return _zip(tmp_path / "package.zip", members)


def _communes(descriptor):
    return next(r for r in descriptor["resources"] if r["name"] == "communes")


def _inline_schema(members, descriptor):
    schema = json.loads(members[_communes(descriptor)["schema"]])
    _communes(descriptor)["schema"] = schema
    return schema


HOSTILE_MEMBERS = {
    "a 100 000-deep descriptor": (lambda m, d: None, "nested too deeply: more than 64 levels"),
    "a schema 100 000 deep": (lambda m, d: m.update({_communes(d)["schema"]: b"[" * 100_000 + b"]" * 100_000}),
                              "nested too deeply: more than 64 levels"),
    "a schema that is not JSON": (lambda m, d: m.update({_communes(d)["schema"]: b"\xff{"}), "not UTF-8"),
    "encoding a number": (lambda m, d: _communes(d).update(encoding=5), "'encoding' 5 is not a text encoding"),
    "encoding a codec": (lambda m, d: _communes(d).update(encoding="zlib_codec"), "is not a text encoding"),
    "primaryKey a number": (lambda m, d: _inline_schema(m, d).update(primaryKey=5), "'primaryKey' is not"),
    "primaryKey a list of lists": (lambda m, d: _inline_schema(m, d).update(primaryKey=[["a"]]), "'primaryKey' is not"),
    "missingValues a string": (lambda m, d: _inline_schema(m, d).update(missingValues="NA"), "'missingValues' is not"),
    "missingValues lists": (lambda m, d: _inline_schema(m, d).update(missingValues=[[]]), "'missingValues' is not"),
    "name a number": (lambda m, d: _communes(d).update(name=5), "every resource needs a 'name' string"),
    "name a list": (lambda m, d: _communes(d).update(name=["communes"]), "every resource needs a 'name' string"),
    "two tables one name": (lambda m, d: _communes(d).update(name="defis"), "two resources are named 'defis'"),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE_MEMBERS))
def test_a_hostile_zip_is_a_message_not_a_traceback(tmp_path, attack):
    change, message = HOSTILE_MEMBERS[attack]
    path = _mutated_zip(tmp_path, change)
    if attack == "a 100 000-deep descriptor":
        path = _zip(path, {"datapackage.json": b'{"a":' * 100_000 + b"1" + b"}" * 100_000})
    result = run("diff", PUBLISHED, path)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_cells_held_are_bounded(project):
    result = run("diff", PUBLISHED, project / "datapackage.json", "--max-cells", "100")
    assert result.exit_code == 2 and "more than 100 cells" in result.output


def test_decompressed_bytes_are_bounded_whatever_the_zip_declares(tmp_path):
    path = _zip(tmp_path / "package.zip", _published_members())
    result = run("diff", PUBLISHED, path, "--max-bytes", "1000")
    assert result.exit_code == 2 and "expands to more than 1000 bytes" in result.output


def test_a_small_zip_of_many_cells_is_refused_in_bounded_memory(tmp_path):
    """A 7 MB zip of 30 million cells (about 3 GB of Python objects before) stops at the cell bound, under 1.5 GB."""
    descriptor = {"name": "bomb", "resources": [{"name": "t", "path": "t.csv", "format": "csv", "schema": {
        "fields": [{"name": "id", "type": "string"}] + [{"name": f"c{i}", "type": "string"} for i in range(9)],
        "primaryKey": "id"}}]}
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("datapackage.json", json.dumps(descriptor))
        with archive.open("t.csv", "w") as handle:
            handle.write(b"id," + b",".join(b"c%d" % i for i in range(9)) + b"\n")
            for start in range(0, 3_000_000, 10_000):
                handle.write(b"".join(b"%d" % n + b",ab" * 9 + b"\n" for n in range(start, start + 10_000)))
    assert path.stat().st_size < 10 * 1024**2
    result, peak = run_process("diff", path, path, timeout=300)
    assert result.returncode == 2 and "more than 10000000 cells" in result.stderr
    assert peak < 1.5 * 1024**3
