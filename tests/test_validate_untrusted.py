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


@pytest.fixture
def http_log():
    """A local HTTP server on 127.0.0.1 answering every GET with an empty JSON object; its log of requests."""
    import http.server
    import threading

    log: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            log.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", log
    server.shutdown()
    server.server_close()


def _inline_schema(project, name):
    return json.loads((project / "build" / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


REMOTE_REFERENCES = {
    "package $schema": lambda d, url, p: d.update({"$schema": f"{url}/package.json"}),
    "package profile": lambda d, url, p: d.update(profile=f"{url}/profile.json"),
    "resource dialect": lambda d, url, p: _resource(d, "defis").update(dialect=f"{url}/dialect.json"),
    "resource profile": lambda d, url, p: _resource(d, "defis").update(profile=f"{url}/profile.json"),
    "inline schema $schema": lambda d, url, p: _resource(d, "defis").update(
        schema={**_inline_schema(p, "defis"), "$schema": f"{url}/tableschema.json"}),
    "inline dialect $schema": lambda d, url, p: _resource(d, "defis").update(
        dialect={"$schema": f"{url}/dialect.json", "delimiter": ","}),
}


@pytest.mark.parametrize("reference", sorted(REMOTE_REFERENCES))
def test_without_allow_remote_nothing_is_fetched(project, http_log, reference):
    url, log = http_log
    code, report = validate(_tamper(project, lambda d: REMOTE_REFERENCES[reference](d, url, project)))
    assert log == []
    assert code == 1 and [p["type"] for p in report["problems"]] == ["unsafe-path"]
    assert url in report["problems"][0]["value"] and "--allow-remote" in report["problems"][0]["hint"]


def test_a_schema_file_naming_a_remote_profile_is_not_fetched(project, http_log):
    url, log = http_log
    path = project / "build" / "schemas" / "defis.schema.json"
    path.write_text(json.dumps({**_inline_schema(project, "defis"), "profile": f"{url}/p.json"}), encoding="utf-8")
    code, report = validate(_tamper(project, lambda d: None))
    assert log == [] and code == 1 and report["problems"][0]["type"] == "unsafe-path"


def test_the_offline_guard_stops_any_connection_a_library_would_make(http_log):
    """Whatever escapes the reference checks still cannot reach the network during validate."""
    import urllib.request

    from contratville_data.validate.offline import MESSAGE, offline

    url, log = http_log
    with offline(), pytest.raises(OSError, match="network access refused"):
        urllib.request.urlopen(f"{url}/x", timeout=5)
    assert log == [] and "--allow-remote" in MESSAGE
    with urllib.request.urlopen(f"{url}/y", timeout=5):  # restored afterwards
        pass
    assert log == ["/y"]


def test_frictionless_itself_is_offline_during_validate(project, http_log, monkeypatch):
    """With the reference checks switched off, frictionless's own fetch of a remote profile fails, unheard."""
    import contratville_data.validate as v

    url, log = http_log
    monkeypatch.setattr(v, "reference_problems", lambda *args: [])
    code, report = validate(_tamper(project, lambda d: d.update(profile=f"{url}/profile.json")))
    assert log == [] and code == 1
    assert any("network access refused" in p["message"] for p in report["problems"])


def test_a_file_url_is_refused_even_with_allow_remote(project):
    schema = (project / "build" / "schemas" / "defis.schema.json").as_uri()
    code, report = validate(_tamper(project, lambda d: _resource(d, "defis").update(schema=schema)), "--allow-remote")
    assert code == 1 and [p["type"] for p in report["problems"]] == ["unsafe-path"]
    assert "only http(s) addresses are remote" in report["problems"][0]["message"]


def test_a_descriptor_symlinked_inside_its_folder_is_read_relative_to_the_link(project):
    """Decided: the package folder is the folder of the path given; a link within it is followed."""
    (project / "datapackage.json").rename(project / "datapackage-0.1.0.json")
    os.symlink("datapackage-0.1.0.json", project / "datapackage.json")
    assert validate(project / "datapackage.json")[0] == 0


def test_a_descriptor_symlinked_into_another_folder_is_refused(project, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (project / "datapackage.json").rename(other / "datapackage.json")
    os.symlink(other / "datapackage.json", project / "datapackage.json")
    code, report = validate(project / "datapackage.json")
    assert code == 1 and [p["type"] for p in report["problems"]] == ["unsafe-path"]
    assert "outside its folder" in report["problems"][0]["message"]


def test_a_million_row_sources_table_is_valid(project):
    """The descriptor's size bound applies to descriptors and schemas, never to data files (75 MB here)."""
    import pyarrow.csv as arrow_csv
    import pyarrow.parquet as pq

    path = project / "build" / "sources.csv"
    rows = "".join(f"extra-{i},Titre {i},https://example.org/{i},Éditeur,2026-11-28,,,\n" for i in range(1_000_000))
    path.write_text(path.read_text(encoding="utf-8") + rows, encoding="utf-8")
    schema = pq.read_schema(project / "build" / "sources.parquet")
    options = arrow_csv.ConvertOptions(column_types={f.name: f.type for f in schema}, strings_can_be_null=True)
    pq.write_table(arrow_csv.read_csv(path, convert_options=options).cast(schema),
                   project / "build" / "sources.parquet")
    from contratville_data.limits import MAX_DESCRIPTOR_BYTES

    assert path.stat().st_size > MAX_DESCRIPTOR_BYTES
    code, report = validate(_tamper(project, lambda d: None))
    assert code == 0, report["problems"][:3]


def test_a_parquet_footer_claiming_more_rows_than_it_holds_is_reported_before_reading(project):
    from .test_hostile_packages import claim_rows

    claim_rows(project / "build" / "communes.parquet", 500_000_000)
    code, report = validate(_tamper(project, lambda d: None))
    assert code == 1
    assert [(p["type"], p["resource"]) for p in report["problems"]] == [("parquet", "communes-parquet")]
    assert "500000000 rows" in report["problems"][0]["message"]


def test_an_unexpected_error_is_a_problem_not_a_traceback(project, monkeypatch):
    import contratville_data.validate as v

    def explode(*args, **kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr(v, "validate_package", explode)
    result = CliRunner().invoke(main, ["validate", str(project / "datapackage.json"), "--json"],
                                catch_exceptions=False)
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["problems"][0]["type"] == "unexpected-error"
    assert "MemoryError: simulated" in report["problems"][0]["message"]
