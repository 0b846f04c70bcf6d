"""Bad raw input: a precise error naming file and line, exit 1, nothing published changes, raw/ untouched."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from contratville_data.cli import main

from .conftest import published_bytes


def mutate(old: bytes, new: bytes, count: int = 1):
    def apply(data: bytes) -> bytes:
        assert old in data, f"{old!r} not in the raw file: the test is stale"
        return data.replace(old, new, count)
    return apply


def duplicate_line(number: int):
    def apply(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        return b"".join(lines + [lines[number - 1]])
    return apply


# (raw file, mutation, error type, line the message names, text the message holds)
CASES = {
    "not-utf8": ("communes.csv", mutate("é".encode(), "é".encode("latin-1")), "encoding-error", 2, "byte 0xe9"),
    "bom": ("defis.csv", lambda d: b"\xef\xbb\xbf" + d, "bom", 1, "byte order mark"),
    "semicolons": ("communes.csv", mutate(b",", b";", -1), "delimiter", 1, "semicolon"),
    "missing-column": ("communes.csv", mutate(b",source_id\n", b"\n"), "missing-label", 1, "source_id"),
    "extra-column": ("defis.csv", mutate(b",source_id\n", b",source_id,extra\n"), "extra-label", 1, "extra"),
    "renamed-column": ("communes.csv", mutate(b"code_source_id", b"source_code_id"), "extra-label", 1,
                       "renamed? missing: code_source_id"),
    "empty-file": ("communes.csv", lambda d: b"", "empty-file", 1, "file is empty"),
    "header-only": ("defis.csv", lambda d: d.splitlines(keepends=True)[0], "no-rows", 2, "no data rows"),
    "blank-line": ("communes.csv", mutate(b"\n42095", b"\n\n42095"), "blank-row", 4, "blank line"),
    "unclosed-quote": ("communes.csv", mutate(b"42095,Firminy", b'42095,"Firminy'), "malformed-csv", 4,
                       "unexpected end of data"),
    "stray-quote": ("communes.csv", mutate(b"42095,Firminy", b'42095,Fir"miny'), "malformed-csv", 4,
                    "double quote"),
    "missing-cell": ("communes.csv", mutate(b"42095,Firminy,", b"42095,"), "missing-cell", 4, "3 cells"),
    "duplicate-key": ("defis.csv", duplicate_line(2), "unique-error", 6, "already used on line 2"),
    "duplicate-composite-key": ("neighbourhood_communes.csv", duplicate_line(2), "primary-key", 37,
                                "already used on line 2"),
    "unknown-foreign-key": ("neighbourhood_communes.csv", mutate(b"malafolie,42095", b"malafolie,42096"),
                            "foreign-key", 34, "not found in communes.commune_code"),
    "unknown-source": ("defis.csv", mutate(b'sport",sem-contrat-de-ville-2024-2030', b'sport",sem-contract'),
                       "foreign-key", 3,
                       "not found in sources.source_id"),
    "bad-cog-code": ("communes.csv", mutate(b"42218,", b"4221,"), "constraint-error", 10, "does not match the pattern"),
    "bad-siren-check-digit": ("signatories.csv", mutate(b"130005481", b"130005482"), "check-digit", 8,
                              "Luhn"),
    "bad-siren-pattern": ("signatories.csv", mutate(b"130005481", b"13000548"), "constraint-error", 8, "pattern"),
    "outside-enum": ("signatories.csv", mutate(b",bailleur social,", b",bailleurs sociaux,"), "constraint-error", 14,
                     "not one of the allowed values"),
    "trailing-space": ("communes.csv", mutate(b",Firminy,", b",Firminy ,"), "whitespace", 4, "spaces"),
    "leading-space": ("defis.csv", mutate(b"agit,1,", b" agit,1,"), "whitespace", 2, "spaces"),
    "formula-equals": ("neighbourhoods.csv", mutate(b",Fonsala,", b",=Fonsala,"), "formula", 8, "formula"),
    "formula-plus": ("signatories.csv", mutate(b",Aura HLM,", b",+Aura HLM,"), "formula", 14, "formula"),
    "formula-minus": ("defis.csv", mutate(b",mon quartier agit,", b",-mon quartier agit,"), "formula", 2,
                      "formula"),
    "formula-at": ("communes.csv", mutate(b",Unieux,", b",@Unieux,"), "formula", 12, "formula"),
    "bad-integer": ("defis.csv", mutate(b"agit,1,", b"agit,1.0,"), "type-error", 2, "not an integer"),
    "bad-boolean": ("neighbourhoods.csv", mutate(b",1,false,", b",1,non,"), "type-error", 2, "true or false"),
    "bad-date": ("contract.csv", mutate(b"2024-07-10", b"10/07/2024"), "type-error", 2, "YYYY-MM-DD"),
    "impossible-date": ("contract.csv", mutate(b"2024-07-10", b"2024-02-30"), "type-error", 2, "YYYY-MM-DD"),
    "control-character": ("communes.csv", mutate(b",Firminy,", b",Fir\x07miny,"), "control-character", 4,
                          "control character"),
    "period-reversed": ("contract.csv", mutate(b",2024,2030,", b",2031,2030,"), "period", 2,
                        "period_start_year is after period_end_year"),
    "missing-required": ("communes.csv", mutate(b"42095,Firminy,", b"42095,,"), "constraint-error", 4, "required"),
    "stated-total": ("contract.csv", mutate(b",32,11,", b",33,11,"), "stated-total", None,
                     "32 rows, but the source states 33"),
}


def _digest(directory):
    return {p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_raw_input_fails_precisely_and_publishes_nothing(project, case):
    name, mutation, kind, line, text = CASES[case]
    path = project / "raw" / name
    path.write_bytes(mutation(path.read_bytes()))
    raw_before, published_before = _digest(project / "raw"), published_bytes(project)

    result = CliRunner().invoke(main, ["build", "--root", str(project)])

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    where = f"raw/{name}:{line}" if line else "raw/"
    errors = [out for out in result.output.splitlines() if out.startswith(f"error: {where}") and f"[{kind}]" in out]
    assert errors and text in errors[0], result.output
    assert "hint:" in result.output
    assert "nothing published changed" in result.output
    assert published_bytes(project) == published_before
    assert _digest(project / "raw") == raw_before


def test_missing_file_is_named_with_the_expected_header(project):
    (project / "raw" / "defis.csv").unlink()
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 1
    assert "error: raw/defis.csv: file not found [missing-file]" in result.output
    assert "defi_id,position,slogan,aim,source_id" in result.output


def test_all_problems_of_a_run_are_reported_together(project):
    communes = project / "raw" / "communes.csv"
    communes.write_bytes(communes.read_bytes().replace(b",Firminy,", b",Firminy ,"))
    signatories = project / "raw" / "signatories.csv"
    signatories.write_bytes(signatories.read_bytes().replace(b",Aura HLM,bailleur social,", b",Aura HLM,bailleur,"))
    defis = project / "raw" / "defis.csv"
    defis.write_bytes(b"\xef\xbb\xbf" + defis.read_bytes())
    links = project / "raw" / "neighbourhood_communes.csv"
    links.write_bytes(links.read_bytes().replace(b"malafolie,42095", b"malafolie,42096"))
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 1
    for expected in ("raw/communes.csv:4, column name, value 'Firminy ': leading or trailing spaces [whitespace]",
                     "raw/signatories.csv:14, column category, value 'bailleur': not one of the allowed values "
                     "(constraint enum) [constraint-error]",
                     "raw/defis.csv:1: file starts with a UTF-8 byte order mark (BOM) [bom]",
                     "raw/neighbourhood_communes.csv:34, column commune_code, value '42096': not found"):
        assert f"error: {expected}" in result.output
    assert "build failed: 4 problem(s)" in result.output


def test_crlf_line_ends_are_accepted_and_change_nothing(project):
    path = project / "raw" / "communes.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = CliRunner().invoke(main, ["build", "--check", "--root", str(project)])
    assert result.exit_code == 0, result.output


def test_no_published_cell_could_run_as_a_formula():
    import csv

    from .conftest import ROOT

    for path in (ROOT / "build").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (path.name, cell)


def test_a_boolean_hint_shows_the_value_as_it_is_written(project):
    path = project / "raw" / "neighbourhoods.csv"
    path.write_bytes(path.read_bytes().replace(b",1,false,", b",1,False,"))
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 1
    assert "value 'False': not true or false [type-error]" in result.output
    assert "hint: write it like false" in result.output


@pytest.mark.parametrize("damage, expected", [
    (lambda text: text.replace('"primaryKey"', '"primaryKey":', 1), "schemas/defis.schema.json:"),
    (lambda text: text.replace('"type": "integer"', '"type": "year"', 1), "'year' is not one of ['string', 'integer'"),
    (lambda text: text.replace('"resource": "sources"', '"resource": "origins"', 1),
     "foreign key points at a table that does not exist"),
])
def test_a_broken_schema_is_reported_not_raised(project, damage, expected):
    path = project / "schemas" / "defis.schema.json"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = published_bytes(project)
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert expected in result.output and "Traceback" not in result.output
    assert published_bytes(project) == before


def test_a_changelog_without_a_release_entry_is_reported_not_raised(project):
    (project / "CHANGELOG.md").write_text("# Changelog\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 1
    assert "error: CHANGELOG.md: no release entry [changelog]" in result.output
