"""The project's profile of its own metadata: what every Table Schema and the package metadata must hold.

The structure is a JSON Schema (``profile.json``, checked with jsonschema); what a JSON Schema
cannot say (keys that resolve, no cycles, safe patterns, examples that meet their own constraints)
is checked here. Every departure is a problem naming the file, the JSON path and a fix.
"""

from __future__ import annotations

import datetime
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from ..problems import Problem

#: Escapes whose Python meaning reaches beyond ASCII (``\d`` matches any Unicode digit).
_UNICODE_ESCAPES = set("dDwWsSbB")
_HINTS = {
    "required": "add the missing member",
    "additionalProperties": "remove the member, or move it where the profile expects it",
    "type": "give a value of the kind the message names",
    "enum": "use one of the values the message lists",
    "const": "use the value the message gives",
    "minLength": "write a value: it may not be empty",
    "minItems": "list at least one item",
    "uniqueItems": "list each item once",
    "pattern": "write the name in lower-case ASCII letters, digits and underscores (dashes in a package name)",
}


@cache
def _validator(definition: str):
    from jsonschema import Draft202012Validator

    from ..schemas import TYPE_MAP

    profile = json.loads(resources.files(__package__).joinpath("profile.json").read_text(encoding="utf-8"))
    profile["$defs"]["field"]["properties"]["type"]["enum"] = list(TYPE_MAP)
    return Draft202012Validator({**profile, "$ref": f"#/$defs/{definition}"})


def _profile_problems(document: Any, definition: str, label: str) -> list[Problem]:
    problems = []
    for error in sorted(_validator(definition).iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        problems.append(Problem("metadata-profile", error.message[:300], file=label, field=path or None,
                                hint=_HINTS.get(str(error.validator), "see contratville_data/metadata/profile.json")))
    return problems


def package_problems(document: Any, label: str) -> list[Problem]:
    """schemas/package.json against the profile."""
    return _profile_problems(document, "package", label)


def shared_problems(document: Any, label: str) -> list[Problem]:
    """schemas/fields.json: its shape and every named pattern."""
    problems = _profile_problems(document, "shared", label)
    if not problems:
        for name, pattern in document["patterns"].items():
            problems += pattern_problems(pattern, label, f"patterns.{name}")
    return problems


def pattern_problems(pattern: str, label: str, where: str) -> list[Problem]:
    """A pattern must be ASCII, use no Unicode-wide class, and compile in Python and in RE2 (linear time)."""
    def problem(message: str, hint: str) -> list[Problem]:
        return [Problem("metadata-pattern", message, file=label, field=where, value=pattern, hint=hint)]

    if not pattern.isascii():
        return problem("holds non-ASCII characters", "write the characters the pattern allows as ASCII")
    escapes = re.findall(r"\\(.)", pattern)
    if _UNICODE_ESCAPES & set(escapes):
        return problem("uses \\d, \\w, \\s or \\b, which match beyond ASCII",
                       "write the class out: [0-9] for a digit, [A-Za-z0-9_] for a word character, ' ' for a space")
    try:
        re.compile(pattern)
    except re.error as err:
        return problem(f"does not compile: {err}", "fix the pattern's syntax")
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array([""]), pattern)
    except pa.ArrowInvalid as err:
        return problem(f"not accepted by RE2, the linear-time engine that checks it: {err}",
                       "use no backreference, lookaround or possessive quantifier")
    return []


def table_problems(schema: Any, label: str) -> list[Problem]:
    """One resolved Table Schema: the profile, then keys and examples."""
    problems = _profile_problems(schema, "table", label)
    if problems:
        return problems
    names = [field["name"] for field in schema["fields"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem("metadata-profile", "field name used twice", file=label, field=name,
                                hint="give every field its own name"))
    for name in schema["primaryKey"]:
        if name not in names:
            problems.append(Problem("metadata-key", "primary key names a field the schema does not have", file=label,
                                    field="primaryKey", value=name, hint=f"use fields among: {', '.join(names)}"))
    for index, fk in enumerate(schema.get("foreignKeys", [])):
        for name in fk["fields"]:
            if name not in names:
                problems.append(Problem("metadata-key", "foreign key names a field the schema does not have",
                                        file=label, field=f"foreignKeys[{index}].fields", value=name))
    for field in schema["fields"]:
        problems += _example_problems(field, label)
    return problems


def _example_problems(field: dict, label: str) -> list[Problem]:
    """A field's example must be a valid value of the field."""
    example, kind = field["example"], field["type"]
    constraints = field.get("constraints", {})
    expected: dict[str, type | tuple[type, ...]] = {"string": str, "date": str, "integer": int,
                                                    "number": (int, float), "boolean": bool}
    ok = isinstance(example, expected[kind]) and (kind == "boolean" or not isinstance(example, bool))
    if ok and kind == "date":
        try:
            datetime.date.fromisoformat(example)
            ok = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", example) is not None
        except ValueError:
            ok = False
    if ok and isinstance(constraints.get("pattern"), str):
        try:
            ok = re.fullmatch(constraints["pattern"], example) is not None
        except re.error:
            ok = True  # the pattern's own problem is reported
    if ok and "enum" in constraints:
        ok = example in constraints["enum"]
    if ok and isinstance(example, (int, float)):
        ok = constraints.get("minimum", example) <= example <= constraints.get("maximum", example)
    if ok:
        return []
    return [Problem("metadata-profile", f"example {example!r} is not a valid {kind} of this field", file=label,
                    field=field["name"], hint="give an example that meets the field's type and constraints")]


def cross_problems(schemas: dict[str, dict], labels: dict[str, str]) -> list[Problem]:
    """Foreign keys between tables: the target exists, its primary key is referenced, types agree, no cycle."""
    problems = []
    for name, schema in schemas.items():
        types = {f["name"]: f["type"] for f in schema["fields"]}
        for index, fk in enumerate(schema.get("foreignKeys", [])):
            reference = fk["reference"]
            target_name = reference["resource"] or name
            target = schemas.get(target_name)
            where = f"foreignKeys[{index}]"
            value = f"{target_name}.{','.join(reference['fields'])}"
            if target is None:
                problems.append(Problem("metadata-key", "foreign key points at a table that does not exist",
                                        file=labels[name], field=where, value=value,
                                        hint=f"use a table among: {', '.join(sorted(schemas))}"))
                continue
            if reference["fields"] != target["primaryKey"]:
                problems.append(Problem("metadata-key", "foreign key does not point at the table's primary key",
                                        file=labels[name], field=where, value=value,
                                        hint=f"reference {target_name}.{','.join(target['primaryKey'])}"))
                continue
            target_types = {f["name"]: f["type"] for f in target["fields"]}
            for child, parent in zip(fk["fields"], reference["fields"]):
                if types.get(child) != target_types.get(parent):
                    problems.append(Problem("metadata-key", f"{child} is {types.get(child)}, {value} is "
                                            f"{target_types.get(parent)}", file=labels[name], field=where,
                                            hint="give both fields the same type"))
    cycle = _cycle(schemas)
    if cycle:
        problems.append(Problem("metadata-key", f"foreign keys form a cycle: {' -> '.join(cycle)}",
                                file=labels[cycle[0]], field="foreignKeys",
                                hint="a table may reference itself, but tables may not reference each other in a loop"))
    return problems


def _cycle(schemas: dict[str, dict]) -> list[str] | None:
    """A loop of foreign keys between distinct tables, if any."""
    def parents(name: str) -> list[str]:
        referenced = {fk["reference"]["resource"] for fk in schemas[name].get("foreignKeys", [])}
        return sorted((referenced - {name, ""}) & schemas.keys())

    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> list[str] | None:
        if name in trail:
            return trail[trail.index(name):] + [name]
        if name in done:
            return None
        for parent in parents(name):
            found = visit(parent, trail + [name])
            if found:
                return found
        done.add(name)
        return None

    for name in sorted(schemas):
        found = visit(name, [])
        if found:
            return found
    return None
