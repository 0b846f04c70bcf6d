"""A corpus of hostile raw mutations, each with the problem type build must report, and the edge values it accepts.

Each refused case: exit 1, the named problem on the named line (and character, where the problem is
about one), a hint, no traceback, nothing published changes. Each accepted case builds and validates.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from contratville_data.cli import main
from contratville_data.limits import MAX_CELL_CHARS

from .conftest import published_bytes


def replace(old: str, new: str):
    def apply(data: bytes) -> bytes:
        assert old.encode() in data, f"{old!r} not in the raw file: the test is stale"
        return data.replace(old.encode(), new.encode(), 1)
    return apply


def append(line: str):
    return lambda data: data + line.encode() + b"\n"


LOIRE = ",collectivité ou organisme,9,,,,,,sem-contrat-de-ville-2024-2030"
NFD_LOIRE = "departement-bis,De\u0301partement de la Loire" + LOIRE
# (raw file, mutation, problem type, line, text the problem's line holds)
CASES = {
    # characters
    "zero-width-inside": ("communes.csv", replace(",Firminy,", ",Fir\u200bminy,"), "invisible-character", 4,
                          "character 4: ZERO WIDTH SPACE (U+200B)"),
    "zero-width-end": ("communes.csv", replace(",Firminy,", ",Firminy\u200b,"), "invisible-character", 4,
                       "ZERO WIDTH SPACE (U+200B)"),
    "bidi-override": ("communes.csv", replace(",Firminy,", ",\u202eFirminy,"), "invisible-character", 4,
                      "RIGHT-TO-LEFT OVERRIDE (U+202E)"),
    "bom-inside-cell": ("communes.csv", replace(",Firminy,", ",Firminy\ufeff,"), "invisible-character", 4,
                        "ZERO WIDTH NO-BREAK SPACE (U+FEFF)"),
    "c1-control": ("communes.csv", replace(",Firminy,", ",Fir\x85miny,"), "control-character", 4,
                   "NEXT LINE (U+0085)"),
    "line-separator": ("communes.csv", replace(",Firminy,", ",Fir\u2028miny,"), "invisible-character", 4,
                       "LINE SEPARATOR (U+2028)"),
    "no-break-space": ("communes.csv", replace(",Saint-Chamond,", ",Saint\u00a0Chamond,"), "invisible-character", 9,
                       "NO-BREAK SPACE (U+00A0)"),
    "doubled-space": ("communes.csv", replace(",La Ricamarie,", ",La  Ricamarie,"), "whitespace", 6,
                      "two spaces in a row"),
    "line-break-in-quoted-cell": ("defis.csv", replace("publics, simplifier", "publics,\nsimplifier"),
                                  "control-character", 2, "LINE FEED (U+000A)"),
    "nfd": ("communes.csv", replace(",Saint-Étienne,", ",Saint-E\u0301tienne,"), "unicode-form", 10,
            "character 8: not in Unicode NFC form"),
    "cyrillic-look-alike": ("communes.csv", replace(",Firminy,", ",Firmin\u0443,"), "mixed-script", 4,
                            "CYRILLIC SMALL LETTER U (U+0443)"),
    "greek-look-alike": ("signatories.csv", replace(",Aura HLM,", ",Αura HLM,"), "mixed-script", 14,
                         "GREEK CAPITAL LETTER ALPHA"),
    "fullwidth-equals": ("neighbourhoods.csv", replace(",Fonsala,", ",\uff1dFonsala,"), "formula", 8, "read as '='"),
    "formula-behind-zero-width": ("neighbourhoods.csv", replace(",Fonsala,", ",\u200b=Fonsala,"), "formula", 8,
                                  "behind 1 invisible"),
    "javascript-url": ("sources.csv", replace("https://radiodio.org/", "javascript:alert(1)//radiodio.org/"), "url",
                       3, "'javascript:' is not allowed"),
    "data-url": ("sources.csv", replace("https://radiodio.org/", "data:text/plain;radiodio.org/"), "url", 3,
                 "'data:' is not allowed"),
    "absolute-path-as-url": ("sources.csv", replace(",docs/reference-facts.md,contratville",
                                                    ",/etc/passwd,contratville"), "url", 4, "relative path"),
    # codes and numbers: ASCII digits only
    "fullwidth-digit-in-code": ("communes.csv", replace("42095,Firminy", "42\uff1095,Firminy"), "non-ascii-digit", 4,
                                "character 3: FULLWIDTH DIGIT ZERO (U+FF10) at character 3"),
    "arabic-indic-digit-in-code": ("communes.csv", replace("42095,Firminy", "4209\u0665,Firminy"), "non-ascii-digit",
                                   4, "ARABIC-INDIC DIGIT FIVE (U+0665) at character 5"),
    "fullwidth-siren": ("signatories.csv", replace("224200014", "\uff12\uff12\uff14200014"), "non-ascii-digit", 4,
                        "FULLWIDTH DIGIT TWO (U+FF12) at character 1: only the ASCII digits 0-9 are allowed "
                        "(and 1 more)"),
    "arabic-indic-zeros-in-integer": ("contract.csv", replace(",5000000,", ",5\u0660\u0660\u0660\u0660\u0660\u0660,"),
                                      "non-ascii-digit", 2, "ARABIC-INDIC DIGIT ZERO (U+0660) at character 2"),
    "fullwidth-zero-in-integer": ("contract.csv", replace(",5000000,", ",1\uff10,"), "non-ascii-digit", 2,
                                  "FULLWIDTH DIGIT ZERO (U+FF10) at character 2"),
    "arabic-indic-digit-in-a-note": ("neighbourhoods.csv", replace("Interpretation:", "Interpretation \u0663:"),
                                     "non-ascii-digit", None, "ARABIC-INDIC DIGIT THREE"),
    "fullwidth-letter-in-code": ("communes.csv", replace("Firminy,reference-facts", "Firminy,\uff52eference-facts"),
                                 "constraint-error", 4,
                                 "character 1 is FULLWIDTH LATIN SMALL LETTER R (U+FF52): type 'r'"),
    "twenty-digit-integer": ("contract.csv", replace(",5000000,", ",12345678901234567890,"), "type-error", 2,
                             "beyond the 64-bit integer range"),
    "two-to-the-63": ("contract.csv", replace(",5000000,", f",{2**63},"), "type-error", 2,
                      "beyond the 64-bit integer range"),
    "two-to-the-64-minus-1": ("contract.csv", replace(",5000000,", f",{2**64 - 1},"), "type-error", 2,
                              "beyond the 64-bit integer range"),
    "minus-zero": ("contract.csv", replace(",5000000,", ",-0,"), "type-error", 2, "no -0"),
    "year-zero": ("contract.csv", replace(",2024-07-10,", ",0000-01-01,"), "type-error", 2, "YYYY-MM-DD"),
    # duplicates compared ignoring case and Unicode form
    "duplicate-name-nfd": ("signatories.csv", append(NFD_LOIRE), "unique-error", 32, "already used on line 4"),
    "duplicate-name-nfd-also-not-nfc": ("signatories.csv", append(NFD_LOIRE), "unicode-form", 32,
                                        "COMBINING ACUTE ACCENT"),
    "duplicate-name-other-case": ("signatories.csv", append("departement-bis,DÉPARTEMENT DE LA LOIRE" + LOIRE),
                                  "unique-error", 32, "compared ignoring case and Unicode form"),
    # line endings and sizes
    "old-mac-line-endings": ("defis.csv", lambda data: data.replace(b"\n", b"\r"), "line-ending", 1,
                             "classic Mac OS line endings"),
    "stray-carriage-return": ("communes.csv", replace(",Firminy,", ",Fir\rminy,"), "line-ending", 4,
                              "at character 10 of the line"),
    "huge-cell": ("neighbourhoods.csv", replace(",Fonsala,", ",Fonsala" + "a" * MAX_CELL_CHARS + ","), "cell-size",
                  8, f"longer than {MAX_CELL_CHARS:,} characters"),
    "huge-quoted-cell": ("defis.csv", replace("publics, simplifier", "publics, " + "b" * MAX_CELL_CHARS), "cell-size",
                         2, "longer than"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_raw_input_is_refused_with_its_problem_type(project, case):
    name, mutation, kind, line, text = CASES[case]
    path = project / "raw" / name
    path.write_bytes(mutation(path.read_bytes()))
    before = published_bytes(project)

    result = CliRunner().invoke(main, ["build", "--root", str(project)])

    assert result.exit_code == 1, result.output[-3000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    where = f"error: raw/{name}:{line}" if line else f"error: raw/{name}:"
    errors = [e for e in result.output.splitlines() if e.startswith(where) and f"[{kind}]" in e]
    assert errors and any(text in e for e in errors), result.output[-3000:]
    assert all(len(e) < 2000 for e in result.output.splitlines()), "a long cell is quoted short"
    assert "hint:" in result.output
    assert published_bytes(project) == before


def test_json_report_gives_the_position_in_the_cell(project):
    path = project / "raw" / "communes.csv"
    path.write_bytes(replace(",Firminy,", ",Fir\u200bminy,")(path.read_bytes()))
    result = CliRunner().invoke(main, ["build", "--format", "json", "--root", str(project)])
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem | {"hint": None} == {
        "type": "invisible-character", "file": "raw/communes.csv", "line": 4, "field": "name",
        "value": "Fir\u200bminy", "position": 4, "resource": None, "row": None, "hint": None,
        "message": "ZERO WIDTH SPACE (U+200B), a format character, at character 4"}


# (raw file, mutation, published table, column, value it must hold)
ACCEPTED = {
    "largest-int64": ("contract.csv", replace(",5000000,", f",{2**63 - 1},"), "contract", "yearly_budget_eur",
                      2**63 - 1),
    "year-one": ("contract.csv", replace(",2024-07-10,", ",0001-01-01,"), "contract", "signed_on", "0001-01-01"),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_edge_values_within_range_are_published_exactly(project, case):
    name, mutation, table, column, expected = ACCEPTED[case]
    path = project / "raw" / name
    path.write_bytes(mutation(path.read_bytes()))
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 0, result.output
    published = pd.read_csv(project / "build" / f"{table}.csv", dtype=str)
    assert published.at[0, column] == str(expected)
    parquet = pd.read_parquet(project / "build" / f"{table}.parquet")
    assert str(parquet.at[0, column]) == str(expected)
    assert CliRunner().invoke(main, ["validate", str(project / "datapackage.json")]).exit_code == 0


def test_a_cell_of_exactly_the_bound_is_read(tmp_path):
    from contratville_data.read_raw import read_raw_table
    from contratville_data.schemas import load_schemas

    schema = load_schemas()["defis"]
    path = tmp_path / "defis.csv"
    path.write_text(f"{','.join(schema.columns)}\nagit,1,x,{'a' * MAX_CELL_CHARS},s\n", encoding="utf-8")
    table, problems = read_raw_table(path, schema, "raw/defis.csv")
    assert problems == [] and table is not None and len(table.rows[0][3]) == MAX_CELL_CHARS
    path.write_text(f"{','.join(schema.columns)}\nagit,1,x,{'a' * (MAX_CELL_CHARS + 1)},s\n", encoding="utf-8")
    table, problems = read_raw_table(path, schema, "raw/defis.csv")
    assert [(p.type, p.line, p.field) for p in problems] == [("cell-size", 2, "aim")]


def test_the_cell_bound_does_not_depend_on_what_other_modules_set(tmp_path):
    """frictionless raises csv's global field limit when imported: the build's bound stays its own."""
    import csv

    from contratville_data.read_raw import read_raw_table
    from contratville_data.schemas import load_schemas

    schema = load_schemas()["defis"]
    path = tmp_path / "defis.csv"
    path.write_text(f"{','.join(schema.columns)}\nagit,1,x,{'a' * (MAX_CELL_CHARS + 1)},s\n", encoding="utf-8")
    old = csv.field_size_limit(2**31 - 2)
    try:
        _, problems = read_raw_table(path, schema, "raw/defis.csv")
    finally:
        csv.field_size_limit(old)
    assert [p.type for p in problems] == ["cell-size"]


def test_crlf_inside_a_quoted_cell_is_a_line_break_not_a_line_ending(project):
    path = project / "raw" / "defis.csv"
    crlf = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(crlf.replace(b"publics, simplifier", b"publics,\r\nsimplifier"))
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 1
    assert "CARRIAGE RETURN (U+000D) at character 60 [control-character]" in result.output
    assert "[line-ending]" not in result.output


def test_an_integer_enum_accepts_its_values_and_refuses_others(project):
    path = project / "schemas" / "defis.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f.get("name") == "position")["constraints"]["enum"] = [1, 2, 3, 4]
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    assert CliRunner().invoke(main, ["build", "--root", str(project)]).exit_code == 0
    raw = project / "raw" / "defis.csv"
    raw.write_bytes(raw.read_bytes().replace(b"agit,1,", b"agit,5,"))
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 1
    assert ("error: raw/defis.csv:2, column position, value '5': not one of the allowed values (constraint enum) "
            "[constraint-error]") in result.output
    assert "hint: use one of: 1, 2, 3, 4" in result.output


def _table(name: str, fields: list[dict], key: list[str], foreign_keys: list[dict] | None = None):
    from pathlib import Path

    from contratville_data.schemas import TableSchema

    descriptor = {"fields": [{"title": f["name"], "example": "x", **f} for f in fields], "primaryKey": key,
                  "foreignKeys": foreign_keys or []}
    return TableSchema(name, Path(f"{name}.schema.json"), descriptor)


def test_a_self_reference_is_checked_against_the_table_itself():
    from contratville_data.check import check_foreign_keys

    schema = _table("places", [{"name": "place_id", "type": "string"}, {"name": "parent_id", "type": "string"}],
                    ["place_id"], [{"fields": ["parent_id"], "reference": {"resource": "", "fields": ["place_id"]}}])
    frame = pd.DataFrame({"place_id": ["loire", "firminy", "unieux"], "parent_id": [None, "loire", "lyon"]},
                         dtype="string")
    problems = check_foreign_keys({"places": frame}, {"places": [2, 3, 4]}, {"places": schema},
                                  {"places": "raw/places.csv"})
    assert [(p.type, p.line, p.value, p.message) for p in problems] == [
        ("foreign-key", 4, "lyon", "not found in places.place_id")]
    assert "places table" in problems[0].hint


def test_a_composite_key_is_compared_ignoring_case_and_unicode_form():
    from contratville_data.check import check_values

    schema = _table("links", [{"name": "a", "type": "string"}, {"name": "b", "type": "integer"}], ["a", "b"])
    frame = pd.DataFrame({"a": ["Département", "DÉPARTEMENT", "Département", "Département"],
                          "b": ["1", "1", "2", "1"]}, dtype="string")
    problems = check_values(frame, [2, 3, 4, 5], schema, "raw/links.csv")
    assert [(p.type, p.line) for p in problems] == [("primary-key", 3), ("primary-key", 5)]
    assert "already used on line 2" in problems[0].message


def test_numbers_are_unique_by_value():
    from contratville_data.check import check_values

    schema = _table("measures", [{"name": "id", "type": "string"},
                                 {"name": "share", "type": "number", "constraints": {"unique": True}}], ["id"])
    frame = pd.DataFrame({"id": ["a", "b", "c"], "share": ["1.5", "15e-1", "2"]}, dtype="string")
    problems = check_values(frame, [2, 3, 4], schema, "raw/measures.csv")
    assert [(p.type, p.line, p.value) for p in problems] == [("unique-error", 3, "15e-1")]


def test_a_number_too_large_for_a_float_is_refused():
    from contratville_data.check import check_values

    schema = _table("measures", [{"name": "id", "type": "string"}, {"name": "share", "type": "number"}], ["id"])
    frame = pd.DataFrame({"id": ["a"], "share": ["1e999"]}, dtype="string")
    (problem,) = check_values(frame, [2], schema, "raw/measures.csv")
    assert problem.type == "type-error" and "too large" in problem.message


@pytest.mark.parametrize("note", ["<script>alert(1)</script>", "</td></tr></table>", "## heading", "a | b | c",
                                  "`code` and ``more``", "[link](javascript:alert(1))", "*bold* _it_", "<img src=x>",
                                  "line\nbreak ## heading"])
def test_data_quoted_into_the_data_dictionary_is_inert(note):
    from contratville_data.dictionary import render_dictionary
    from contratville_data.metadata import load_project
    from contratville_data.schemas import load_schemas

    from .conftest import ROOT

    project = load_project(ROOT)
    schemas = load_schemas()
    frames = {name: pd.read_parquet(ROOT / "build" / f"{name}.parquet") for name in schemas}
    frames["neighbourhoods"].loc[0, "note"] = note
    frames["sources"].loc[0, "title"] = note
    frames["sources"].loc[0, "url"] = note
    text = render_dictionary(project.package, project.version, schemas, frames)
    lines = text.splitlines()
    noted = [line for line in lines if line.startswith(f"- `{frames['neighbourhoods'].loc[0, 'neighbourhood_id']}`")]
    assert len(noted) == 1, "one list item, on one line"
    source = next(line for line in lines if line.startswith(f"| `{frames['sources'].loc[0, 'source_id']}`"))
    for line in (noted[0], source):
        assert "<" not in line.replace("&lt;", "") and ">" not in line.replace("&gt;", "")
        assert "`" not in line.split(": ", 1)[-1].replace("\\`", "") or line is source
        assert "## heading" not in line or "\\#" in line or not line.lstrip().startswith("#")
    assert source.count(" | ") == 4, "the address stays in its own cell"
    assert not any(line.startswith("## heading") for line in lines)
    assert "<script>" not in text and "</td>" not in text
