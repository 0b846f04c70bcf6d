"""Validating packages we did not make: precise JSON reports, refused paths, bounded reads."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from contratville_data.cli import main

from .conftest import expected_resources

REPORT_KEYS = {"valid", "descriptor", "resources", "problem_count", "problems"}
PROBLEM_KEYS = {"type", "message", "file", "line", "field", "value", "hint", "resource", "row", "position"}


def validate(descriptor, *options):
    result = CliRunner().invoke(main, ["validate", str(descriptor), "--json", *options])
    return result.exit_code, json.loads(result.output)


def edit_descriptor(project, change):
    path = project / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    return path


def test_the_json_report_has_a_stable_shape(project):
    code, report = validate(project / "datapackage.json")
    assert code == 0 and set(report) == REPORT_KEYS
    assert report["valid"] is True and report["problem_count"] == 0 and len(report["resources"]) == expected_resources()


def test_a_broken_foreign_key_value_is_reported_with_resource_row_and_field(project):
    path = project / "build" / "neighbourhood_communes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("malafolie,42095", "malafolie,42096"), encoding="utf-8")
    code, report = validate(project / "datapackage.json")
    assert code == 1 and report["valid"] is False
    problem = next(p for p in report["problems"] if p["type"] == "foreign-key")
    assert set(problem) == PROBLEM_KEYS
    assert problem["resource"] == "neighbourhood_communes"
    assert problem["field"] == "commune_code" and problem["value"] == "42096"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "42096" in lines[problem["row"]] and problem["line"] == problem["row"] + 1


@pytest.mark.parametrize("bad_path", ["../outside.csv", "/etc/passwd", "build/../../outside.csv"])
def test_a_resource_path_leaving_the_package_is_refused_without_reading_it(project, bad_path):
    (project.parent / "outside.csv").write_text("not,read\n", encoding="utf-8")
    path = edit_descriptor(project, lambda d: d["resources"][0].update(path=bad_path))
    code, report = validate(path)
    assert code == 1
    assert [(p["type"], p["value"]) for p in report["problems"]] == [("unsafe-path", bad_path)]


def test_a_symlink_pointing_outside_is_refused(project):
    outside = project.parent / "secret.csv"
    outside.write_text("commune_code\n42005\n", encoding="utf-8")
    os.symlink(outside, project / "build" / "link.csv")
    path = edit_descriptor(project, lambda d: d["resources"][0].update(path="build/link.csv"))
    code, report = validate(path)
    assert code == 1 and [p["type"] for p in report["problems"]] == ["unsafe-path"]


def test_a_schema_path_leaving_the_package_is_refused(project):
    path = edit_descriptor(project, lambda d: d["resources"][1].update(schema="../schema.json"))
    code, report = validate(path)
    assert code == 1 and report["problems"][0]["type"] == "unsafe-path"
    assert "schema" in report["problems"][0]["message"]


def test_remote_paths_are_refused_unless_allowed(project):
    url = "https://example.org/communes.csv"
    path = edit_descriptor(project, lambda d: d["resources"][0].update(path=url))
    code, report = validate(path)
    assert code == 1 and report["problems"][0]["type"] == "unsafe-path"
    assert "--allow-remote" in report["problems"][0]["hint"]


def test_file_size_is_bounded(project):
    code, report = validate(project / "datapackage.json", "--max-bytes", "1000")
    assert code == 1
    assert {p["type"] for p in report["problems"]} == {"too-large"}
    assert "build/contract.parquet" in {p["value"] for p in report["problems"]}


def test_reported_errors_are_bounded(project):
    path = project / "build" / "neighbourhood_communes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",4", ",X"), encoding="utf-8")
    code, report = validate(project / "datapackage.json", "--max-errors", "3")
    assert code == 1 and report["problem_count"] == 3 and len(report["problems"]) == 3


def test_rows_read_are_bounded(project):
    path = project / "build" / "neighbourhood_communes.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    neighbourhood, _, rest = lines[-1].split(",", 2)
    lines[-1] = f"{neighbourhood},X,{rest}"
    path.write_text("".join(lines), encoding="utf-8")
    assert validate(project / "datapackage.json")[0] == 1
    code, report = validate(project / "datapackage.json", "--max-rows", "5")
    assert not any(p["type"] in ("constraint-error", "foreign-key") for p in report["problems"])


def test_a_descriptor_that_is_not_json_is_invalid_not_a_crash(project):
    path = project / "datapackage.json"
    path.write_text("{not json", encoding="utf-8")
    code, report = validate(path)
    assert code == 1 and report["problems"][0]["type"] == "descriptor"


def test_a_descriptor_without_resources_is_invalid(project):
    path = project / "datapackage.json"
    path.write_text(json.dumps({"name": "x"}), encoding="utf-8")
    code, report = validate(path)
    assert code == 1 and report["problems"][0]["type"] == "descriptor"


def _rehash(project, descriptor):
    """Declare the files' current sizes and hashes, so that only the change under test is wrong."""
    import hashlib

    for resource in descriptor["resources"]:
        data = (project / resource["path"]).read_bytes()
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        if "bytes" in resource:
            resource["bytes"] = len(data)


def _tamper(project, change):
    path = project / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    _rehash(project, descriptor)
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    return path


def _resource(descriptor, name):
    return next(r for r in descriptor["resources"] if r["name"] == name)


def test_a_date_frictionless_cannot_read_is_its_type_error_not_a_crash(project):
    path = project / "build" / "sources.csv"
    path.write_bytes(path.read_bytes().replace(b",2026-11-28,", b",0000-01-01,", 1))
    code, report = validate(_tamper(project, lambda d: None))
    assert code == 1
    assert ("type-error", "sources", "transcribed_on") in {(p["type"], p["resource"], p["field"])
                                                           for p in report["problems"]}


def test_a_csv_whose_name_says_compressed_is_read_as_frictionless_reads_it(project):
    (project / "build" / "defis.csv").rename(project / "build" / "defis.csv.gz")
    code, report = validate(_tamper(project, lambda d: _resource(d, "defis").update(path="build/defis.csv.gz")))
    assert code == 1 and report["problems"][0]["type"] == "compression-error"


def test_a_table_without_a_declared_format_is_still_checked(project):
    path = project / "build" / "defis.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines) + lines[1].replace(b"agit,", b"agot,"))
    code, report = validate(_tamper(project, lambda d: _resource(d, "defis").pop("format")))
    assert code == 1 and "unique-error" in {p["type"] for p in report["problems"]}


def test_a_parquet_file_without_a_csv_twin_is_checked_by_frictionless(project):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(project / "build" / "communes.parquet")
    pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), project / "build" / "communes.parquet")
    code, report = validate(_tamper(project, lambda d: _resource(d, "communes-parquet").update(name="communes-copy")))
    assert code == 1 and "primary-key" in {p["type"] for p in report["problems"]}


def test_two_csv_resources_sharing_a_schema_are_not_taken_for_twins(project):
    """Twins are paired by the naming rule, not by a shared schema."""
    def add_copy(descriptor):
        shutil.copy(project / "build" / "communes.csv", project / "build" / "communes-copy.csv")
        copy = {**_resource(descriptor, "communes"), "name": "communes-again", "path": "build/communes-copy.csv"}
        descriptor["resources"].append(copy)

    code, report = validate(_tamper(project, add_copy))
    assert code == 0, report["problems"]


def test_parquet_columns_out_of_order_are_reported(project):
    import pyarrow.parquet as pq

    table = pq.read_table(project / "build" / "communes.parquet")
    pq.write_table(table.select(table.column_names[::-1]), project / "build" / "communes.parquet")
    code, report = validate(_tamper(project, lambda d: None))
    assert code == 1
    assert [(p["type"], p["resource"]) for p in report["problems"]] == [("parquet-type", "communes-parquet")]


@pytest.mark.parametrize("also_break_enum", [False, True])
def test_a_siren_with_a_wrong_check_digit_is_reported(project, also_break_enum):
    path = project / "build" / "signatories.csv"
    text = path.read_text(encoding="utf-8").replace("130005481", "130005482")
    if also_break_enum:  # then frictionless, not the Arrow proof, judges the file
        text = text.replace(",bailleur social,", ",bailleurs,", 1)
    path.write_text(text, encoding="utf-8")

    def csv_only(descriptor):
        descriptor["resources"] = [r for r in descriptor["resources"] if r["format"] == "csv"]

    code, report = validate(_tamper(project, csv_only))
    assert code == 1
    found = [p for p in report["problems"] if p["type"] == "check-digit"]
    assert [(p["resource"], p["field"], p["value"]) for p in found] == [("signatories", "siren", "130005482")]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "130005482" in lines[found[0]["line"] - 1]
    assert ("constraint-error" in {p["type"] for p in report["problems"]}) is also_break_enum
