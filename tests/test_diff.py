"""`contratville-data diff`: rows and schema changes between two packages, on modified copies."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from contratville_data.build import build
from contratville_data.cli import main

from .conftest import ROOT

PUBLISHED = ROOT / "datapackage.json"


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
    assert "identical: 7 tables" in result.output


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
    assert "different: 1 of 7 tables" in text


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
    assert "error: " in result.output and "not a JSON document" in result.output
    assert "Traceback" not in result.output
