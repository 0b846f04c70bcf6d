"""Shared definitions: fields and named patterns written once in ``schemas/fields.json``.

A Table Schema uses one with a JSON Reference: ``{"$ref": "fields.json#/fields/source_id", ...}``
for a field (members listed beside the reference override the shared ones, ``constraints`` member
by member) and ``{"$ref": "fields.json#/patterns/slug"}`` for a pattern. Patterns are only ever
named: an inline pattern is a problem, so each is written, and checked, once.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..problems import Problem

SHARED_FILE = "schemas/fields.json"
_REFERENCE = re.compile(r"^fields\.json#/(?P<kind>fields|patterns)/(?P<name>[A-Za-z0-9_]+)$")


def resolve_table(document: Any, shared: dict, label: str) -> tuple[Any, list[Problem]]:
    """The Table Schema with every reference replaced by its definition, and the problems met doing so."""
    problems: list[Problem] = []
    if not isinstance(document, dict) or not isinstance(document.get("fields"), list):
        return document, problems  # the profile says what is wrong
    resolved = copy.deepcopy(document)
    fields = []
    for index, field in enumerate(resolved["fields"]):
        where = f"fields[{index}]"
        if isinstance(field, dict) and isinstance(field.get("constraints"), dict):
            _resolve_pattern(field["constraints"], shared, label, f"{where}.constraints.pattern", problems)
        if isinstance(field, dict) and "$ref" in field:
            base = _lookup(field.pop("$ref"), "fields", shared, label, where, problems)
            if base is not None:
                field = _merge(copy.deepcopy(base), field)
        fields.append(field)
    resolved["fields"] = fields
    return resolved, problems


def resolve_shared(shared: dict, label: str) -> tuple[dict, list[Problem]]:
    """fields.json with the pattern references inside its own fields resolved."""
    problems: list[Problem] = []
    resolved = copy.deepcopy(shared)
    for name, field in resolved["fields"].items():
        if isinstance(field.get("constraints"), dict):
            _resolve_pattern(field["constraints"], shared, label, f"fields.{name}.constraints.pattern", problems)
    return resolved, problems


def _merge(base: dict, local: dict) -> dict:
    constraints = {**base.get("constraints", {}), **local.pop("constraints", {})}
    merged = {**base, **local}
    if constraints:
        merged["constraints"] = constraints
    return merged


def _resolve_pattern(constraints: dict, shared: dict, label: str, where: str, problems: list[Problem]) -> None:
    pattern = constraints.get("pattern")
    if isinstance(pattern, dict) and "$ref" in pattern:
        value = _lookup(pattern["$ref"], "patterns", shared, label, where, problems)
        if value is not None:
            constraints["pattern"] = value
    elif isinstance(pattern, str):
        problems.append(Problem("metadata-reference", "pattern written inline", file=label, field=where,
                                value=pattern, hint="name it under \"patterns\" in schemas/fields.json and use "
                                                    "{\"$ref\": \"fields.json#/patterns/<name>\"}"))


def _lookup(reference: Any, kind: str, shared: dict, label: str, where: str, problems: list[Problem]) -> Any:
    match = _REFERENCE.match(reference) if isinstance(reference, str) else None
    if match is None or match["kind"] != kind or match["name"] not in shared.get(kind, {}):
        known = ", ".join(sorted(shared.get(kind, {})))
        problems.append(Problem("metadata-reference", f"no shared {kind[:-1]} at this reference", file=label,
                                field=where, value=str(reference),
                                hint=f"use fields.json#/{kind}/<name>, with a name among: {known}"))
        return None
    return shared[kind][match["name"]]
