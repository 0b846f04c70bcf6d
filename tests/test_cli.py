"""The command line, through click's CliRunner, on throw-away copies of the checkout."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

from click.testing import CliRunner

from contratville_data.cli import main
from contratville_data.schemas import load_schemas

from .conftest import ROOT, expected_resources, published_bytes


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_validate_the_published_package():
    result = run("validate", ROOT / "datapackage.json")
    assert result.exit_code == 0, result.output
    assert f"valid ({expected_resources()} resources)" in result.output


def test_validate_default_descriptor_is_in_the_current_directory(project, monkeypatch):
    monkeypatch.chdir(project)
    assert run("validate").exit_code == 0


def test_validate_missing_descriptor_is_a_usage_error(tmp_path):
    result = run("validate", tmp_path / "nope.json")
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_validate_reports_a_changed_csv(project):
    path = project / "build" / "communes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Firminy", "Firmini"), encoding="utf-8")
    result = run("validate", project / "datapackage.json", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    types = {p["type"] for p in report["problems"]}
    assert {"hash-count", "parquet-twin"} <= types
    twin = next(p for p in report["problems"] if p["type"] == "parquet-twin")
    assert (twin["resource"], twin["field"], twin["value"]) == ("communes-parquet", "name", "Firminy")


def test_validate_reports_a_parquet_file_replaced(project):
    shutil.copy(project / "build" / "defis.parquet", project / "build" / "communes.parquet")
    result = run("validate", project / "datapackage.json")
    assert result.exit_code == 1
    assert "communes-parquet" in result.output


def test_build_check_passes_on_the_commit(project):
    result = run("build", "--check", "--root", project)
    assert result.exit_code == 0, result.output
    assert f"up to date: {len(load_schemas(ROOT / 'schemas'))} tables" in result.output


def test_build_check_catches_a_stale_build(project):
    before = published_bytes(project)
    path = project / "raw" / "defis.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("le sport", "les sports"), encoding="utf-8")
    result = run("build", "--check", "--root", project)
    assert result.exit_code == 1
    assert "stale: build/defis.csv" in result.output and "stale: datapackage.json" in result.output
    assert published_bytes(project) == before, "--check never publishes"


def test_build_publishes_what_raw_says(project):
    path = project / "raw" / "defis.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("le sport", "les sports"), encoding="utf-8")
    result = run("build", "--root", project)
    assert result.exit_code == 0, result.output
    assert "les sports" in (project / "build" / "defis.csv").read_text(encoding="utf-8")
    assert run("validate", project / "datapackage.json").exit_code == 0
    assert run("build", "--check", "--root", project).exit_code == 0


def test_build_on_bad_raw_exits_1_and_publishes_nothing(project):
    before = published_bytes(project)
    path = project / "raw" / "communes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("42218", "42A18"), encoding="utf-8")
    result = run("build", "--root", project)
    assert result.exit_code == 1
    assert "raw/communes.csv:10, column commune_code, value '42A18'" in result.output
    assert "Traceback" not in result.output
    assert published_bytes(project) == before


def test_build_outside_a_checkout_is_a_usage_error(tmp_path):
    result = run("build", "--root", tmp_path)
    assert result.exit_code == 2
    assert "not a contratville-data checkout" in result.output


def test_python_dash_m_and_the_frictionless_cli_agree_the_package_is_valid():
    ours = subprocess.run([sys.executable, "-m", "contratville_data", "validate", "datapackage.json"], cwd=ROOT,
                          capture_output=True, text=True)
    assert ours.returncode == 0, ours.stderr
    theirs = subprocess.run([sys.executable, "-m", "frictionless", "validate", "datapackage.json"], cwd=ROOT,
                            capture_output=True, text=True)
    assert theirs.returncode == 0, theirs.stdout


def test_the_installed_command_ends_a_validation_with_its_whole_report_and_status(project):
    # ``python -m contratville_data`` is the installed command (``run``): it exits without the teardown
    path = project / "build" / "communes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Firminy", "Firmini"), encoding="utf-8")
    command = [sys.executable, "-m", "contratville_data", "validate", str(project / "datapackage.json")]
    as_json = subprocess.run([*command, "--format", "json"], capture_output=True, text=True)
    assert as_json.returncode == 1
    assert {"hash-count", "parquet-twin"} <= {p["type"] for p in json.loads(as_json.stdout)["problems"]}
    as_text = subprocess.run(command, capture_output=True, text=True)
    assert as_text.returncode == 1 and "hash-count" in as_text.stderr
    assert as_text.stdout.endswith(f"invalid: {len(json.loads(as_json.stdout)['problems'])} problem(s) "
                                   f"({expected_resources()} resources)\n")


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert f"contratville-data {name}" in readme, name
        for param in command.params:
            for option in param.opts:
                if option.startswith("--") and option != "--help":
                    assert option in readme, f"{name} {option}"


def test_the_readme_quick_start_output_is_what_the_code_prints(capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Use it", 1)[1]
    code, shown = re.search(r"```python\n(.*?)```\s*```\n(.*?)```", section, re.DOTALL).groups()
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out == shown
