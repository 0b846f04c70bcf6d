"""The project's own metadata is checked against its profile: every departure is a message, never a traceback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from contratville_data.cli import main

from .conftest import published_bytes


def edit_schema(name: str, change):
    def apply(project):
        path = project / "schemas" / f"{name}.schema.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        change(document)
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return apply


def write(name: str, text: str):
    def apply(project):
        (project / "schemas" / name).write_text(text, encoding="utf-8")
    return apply


def field(document: dict, name: str) -> dict:
    return next(f for f in document["fields"] if f.get("name", f.get("$ref", "").rsplit("/", 1)[-1]) == name)


def edit_shared(change):
    def apply(project):
        path = project / "schemas" / "fields.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        change(document)
        path.write_text(json.dumps(document), encoding="utf-8")
    return apply


#: (damage, problem type, file named, text of the message)
CASES = {
    "no-primary-key": (edit_schema("defis", lambda d: d.pop("primaryKey")), "metadata-profile",
                       "schemas/defis.schema.json", "'primaryKey' is a required property"),
    "field-without-title": (edit_schema("defis", lambda d: field(d, "slogan").pop("title")), "metadata-profile",
                            "schemas/defis.schema.json", "'title' is a required property"),
    "field-without-description": (edit_schema("defis", lambda d: field(d, "aim").pop("description")),
                                  "metadata-profile", "schemas/defis.schema.json", "'description' is a required"),
    "field-without-example": (edit_schema("communes", lambda d: field(d, "name").pop("example")), "metadata-profile",
                              "schemas/communes.schema.json", "'example' is a required property"),
    "example-breaks-its-pattern": (edit_schema("defis", lambda d: field(d, "defi_id").update(example="Agit")),
                                   "metadata-profile", "schemas/defis.schema.json", "example 'Agit' is not a valid"),
    "fields-not-a-list": (edit_schema("defis", lambda d: d.update(fields={"a": 1})), "metadata-profile",
                          "schemas/defis.schema.json", "is not of type 'array'"),
    "a-json-array": (write("defis.schema.json", "[1, 2]"), "metadata-profile", "schemas/defis.schema.json",
                     "is not of type 'object'"),
    "deep-nesting": (write("defis.schema.json", "[" * 100_000 + "]" * 100_000), "metadata-json",
                     "schemas/defis.schema.json", "nested too deeply"),
    "not-json": (write("defis.schema.json", '{"fields": [,]}'), "metadata-json", "schemas/defis.schema.json",
                 "not valid JSON"),
    "inline-pattern": (edit_schema("defis", lambda d: field(d, "defi_id")["constraints"].update(pattern="^[a-z]+$")),
                       "metadata-reference", "schemas/defis.schema.json", "pattern written inline"),
    "unknown-reference": (edit_schema("defis",
                                      lambda d: field(d, "source_id").update({"$ref": "fields.json#/fields/x"})),
                          "metadata-reference", "schemas/defis.schema.json", "no shared field"),
    "unicode-digit-class": (edit_shared(lambda d: d["patterns"].update(siren="^\\d{9}$")), "metadata-pattern",
                            "schemas/fields.json", "match beyond ASCII"),
    "pattern-does-not-compile": (edit_shared(lambda d: d["patterns"].update(word="^[a-z+$")), "metadata-pattern",
                                 "schemas/fields.json", "does not compile"),
    "pattern-not-linear": (edit_shared(lambda d: d["patterns"].update(word="^(?=a)[a-z]+$")), "metadata-pattern",
                           "schemas/fields.json", "RE2"),
    "primary-key-unknown-field": (edit_schema("defis", lambda d: d.update(primaryKey=["nope"])), "metadata-key",
                                  "schemas/defis.schema.json", "primary key names a field"),
    "foreign-key-cycle": (edit_schema("sources", lambda d: d.update(foreignKeys=[
        {"fields": ["source_id"], "reference": {"resource": "defis", "fields": ["defi_id"]}}])),
        "metadata-key", "schemas/", "foreign keys form a cycle"),
    "unknown-field-type": (edit_schema("defis", lambda d: field(d, "position").update(type="year")),
                           "metadata-profile", "schemas/defis.schema.json", "'year' is not one of"),
    "package-without-licence": (lambda p: (p / "schemas" / "package.json").write_text(json.dumps(
        {k: v for k, v in json.loads((p / "schemas" / "package.json").read_text()).items() if k != "licenses"})),
        "metadata-profile", "schemas/package.json", "'licenses' is a required property"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_metadata_departure_is_a_problem_with_file_and_hint(project, case):
    damage, kind, label, text = CASES[case]
    damage(project)
    before = published_bytes(project)
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith(f"error: {label}") and f"[{kind}]" in line]
    assert errors and any(text in e for e in errors), result.output
    assert "hint:" in result.output
    assert published_bytes(project) == before


def test_a_self_referencing_foreign_key_is_not_a_cycle(project):
    edit_schema("sources", lambda d: d["fields"].append(
        {"$ref": "fields.json#/fields/source_id", "name": "parent_id", "constraints": {"required": False}}
    ) or d.update(foreignKeys=[{"fields": ["parent_id"],
                                "reference": {"resource": "", "fields": ["source_id"]}}]))(project)
    path = project / "raw" / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",parent_id"] + [line + "," for line in lines[1:]]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--root", str(project)])
    assert result.exit_code == 0, result.output


def test_a_schema_edit_is_seen_by_the_same_process(project):
    """Nothing is cached: a check after an edit reads the edited schema."""
    from contratville_data.build import build

    assert build(project, check=True).stale == []
    path = project / "schemas" / "defis.schema.json"
    path.write_text(path.read_text(encoding="utf-8").replace("Les défis", "Les quatre défis"), encoding="utf-8")
    assert "datapackage.json" in build(project, check=True).stale
