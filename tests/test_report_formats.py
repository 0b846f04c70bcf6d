"""build and validate report problems as text, JSON, GitHub annotations and JUnit XML, for people and CI."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from contratville_data.cli import main


def break_a_name(project):
    path = project / "raw" / "communes.csv"
    path.write_bytes(path.read_bytes().replace(b",Firminy,", b",Firminy ,"))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_build_json_report_has_the_documented_shape(project):
    break_a_name(project)
    result = run("build", "--root", project, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["problem_count"] == 1
    [problem] = report["problems"]
    assert (problem["type"], problem["file"], problem["line"], problem["field"]) == \
        ("whitespace", "raw/communes.csv", 4, "name")


def test_build_github_annotation_points_at_the_line(project):
    break_a_name(project)
    result = run("build", "--root", project, "--format", "github")
    assert result.exit_code == 1
    [annotation] = result.stdout.splitlines()
    assert annotation.startswith("::error file=raw/communes.csv,line=4,title=Spaces around a value [whitespace]::")
    assert "%0Ahint: remove the spaces around the value" in annotation


def test_build_junit_report_is_xml_with_one_failure_per_problem(project):
    break_a_name(project)
    result = run("build", "--root", project, "--format", "junit")
    assert result.exit_code == 1
    suite = ElementTree.fromstring(result.stdout).find("testsuite")
    assert suite.get("tests") == "1" and suite.get("failures") == "1"
    failure = suite.find("testcase/failure")
    assert failure.get("type") == "whitespace" and "raw/communes.csv:4" in failure.text


@pytest.mark.parametrize("output", ["json", "github", "junit"])
def test_a_valid_package_gives_a_clean_machine_report(output):
    result = run("validate", "datapackage.json", "--format", output)
    assert result.exit_code == 0, result.output
    if output == "json":
        assert json.loads(result.stdout)["valid"] is True
    elif output == "github":
        assert result.stdout == ""
    else:
        suite = ElementTree.fromstring(result.stdout).find("testsuite")
        assert suite.get("failures") == "0" and suite.find("testcase").get("name") == "every check passes"


def test_validate_annotations_name_files_from_the_working_directory(project, monkeypatch):
    path = project / "build" / "communes.csv"
    path.write_bytes(path.read_bytes() + b"x\n")
    monkeypatch.chdir(project.parent)
    result = run("validate", "project/datapackage.json", "--format", "github")
    assert result.exit_code == 1
    assert "file=project/build/communes.csv" in result.stdout


def test_the_pre_commit_hooks_run_the_commands_the_readme_documents():
    import yaml

    from .conftest import ROOT

    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["contratville-data-build-check"]["entry"] == "contratville-data build --check"
    assert hooks["contratville-data-validate"]["entry"] == "contratville-data validate"
    ci = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for hook in hooks:
        assert hook in ci


def test_the_text_output_is_capped_and_says_how_many_more(project):
    from contratville_data.limits import MAX_PROBLEMS_SHOWN

    path = project / "raw" / "neighbourhood_communes.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines + [lines[1]] * (MAX_PROBLEMS_SHOWN + 50)))
    result = run("build", "--root", project)
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == MAX_PROBLEMS_SHOWN + 1
    assert errors[-1] == "error: 50 more problem(s) not shown; --format json lists every one"
    assert f"build failed: {MAX_PROBLEMS_SHOWN + 50} problem(s)" in result.output
    listed = run("build", "--format", "json", "--root", project)
    assert len(json.loads(listed.stdout)["problems"]) == MAX_PROBLEMS_SHOWN + 50
