"""Problems written for people and for CI: text, JSON, GitHub Actions annotations, JUnit XML."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from .limits import MAX_PROBLEMS_SHOWN
from .problem_types import problem_type
from .problems import Problem

FORMATS = ("text", "json", "github", "junit")


def as_dict(problems: list[Problem], *, descriptor: str | None = None, resources: list[str] | None = None) -> dict:
    """The JSON report (its shape is documented in docs/errors.md)."""
    return {"valid": not problems, "descriptor": descriptor, "resources": resources or [],
            "problem_count": len(problems), "problems": [p.to_dict() for p in problems]}


def as_json(problems: list[Problem], **context) -> str:
    return json.dumps(as_dict(problems, **context), ensure_ascii=False, indent=2)


def as_text(problems: list[Problem], *, limit: int = MAX_PROBLEMS_SHOWN) -> str:
    """One ``error:`` line per problem, the first ``limit`` of them, then how many more there are."""
    lines = [f"error: {p}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"error: {len(problems) - limit} more problem(s) not shown; --format json lists every one")
    return "\n".join(lines)


def _escape(text: str, *, property_value: bool = False) -> str:
    """GitHub workflow-command escaping (``%``, CR and LF; also ``:`` and ``,`` in properties)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def as_github(problems: list[Problem], *, prefix: str = "") -> str:
    """One ``::error`` annotation per problem, placed on its file and line in a pull request."""
    lines = []
    for p in problems:
        properties = [f"title={_escape(f'{problem_type(p.type).title} [{p.type}]', property_value=True)}"]
        if p.file:
            properties.insert(0, f"file={_escape(prefix + p.file, property_value=True)}")
            if p.line is not None:
                properties.insert(1, f"line={p.line}")
        message = p.message
        if p.field:
            message = f"column {p.field}: {message}"
        if p.value is not None:
            message += f" (value {p.value!r})"
        if p.hint:
            message += f"\nhint: {p.hint}"
        lines.append(f"::error {','.join(properties)}::{_escape(message)}")
    return "\n".join(lines)


def as_junit(problems: list[Problem], *, suite: str) -> str:
    """JUnit XML: one failing test case per problem, or one passing case when there is none."""
    root = ElementTree.Element("testsuites", name="contratville-data")
    cases = max(1, len(problems))
    element = ElementTree.SubElement(root, "testsuite", name=suite, tests=str(cases), failures=str(len(problems)),
                                     errors="0", skipped="0")
    if not problems:
        ElementTree.SubElement(element, "testcase", classname=suite, name="every check passes")
    for p in problems:
        where = f"{p.file or p.resource or 'package'}" + (f":{p.line}" if p.line is not None else "")
        case = ElementTree.SubElement(element, "testcase", classname=p.file or p.resource or "package",
                                      name=f"{where} [{p.type}]")
        failure = ElementTree.SubElement(case, "failure", type=p.type, message=p.message)
        failure.text = str(p)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
