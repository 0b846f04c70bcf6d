"""Read a data package descriptor safely; shared by validate, diff, release and the loading API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..jsonfile import load_json, parse_json
from ..limits import MAX_DESCRIPTOR_BYTES
from ..problems import Problem

__all__ = ["MAX_DESCRIPTOR_BYTES", "check_shape", "parse_descriptor", "read_descriptor"]

#: The longest message kept from frictionless: some quote a whole descriptor.
MAX_MESSAGE_CHARS = 500


def read_descriptor(path: Path, *, max_bytes: int = MAX_DESCRIPTOR_BYTES) -> tuple[dict | None, list[Problem]]:
    """(the descriptor, []) or (None, the problems that make it unusable)."""
    document, problems = load_json(path, path.name, "descriptor", max_bytes=max_bytes)
    if problems:
        return None, problems
    return check_shape(document, path.name)


def parse_descriptor(data: bytes, label: str) -> tuple[dict | None, list[Problem]]:
    """The same, from the descriptor's bytes (a member of a zip, say)."""
    document, problems = parse_json(data, label, "descriptor")
    if problems:
        return None, problems
    return check_shape(document, label)


def check_shape(document: Any, label: str) -> tuple[dict | None, list[Problem]]:
    """A descriptor is an object with a ``resources`` list of objects, each with one ``path`` and a ``name`` string."""
    if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
        return None, [Problem("descriptor", "a data package descriptor is an object with a 'resources' list",
                              file=label)]
    problems = []
    for resource in document["resources"]:
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            name = resource.get("name") if isinstance(resource, dict) else None
            problems.append(Problem("descriptor", "every resource needs a single 'path' string", file=label,
                                    resource=name[:200] if isinstance(name, str) else None))
        elif not isinstance(resource.get("name"), str):
            problems.append(Problem("descriptor", "every resource needs a 'name' string", file=label,
                                    value=resource["path"][:200]))
    return (None, problems) if problems else (document, [])


def shorten(message: str) -> str:
    """A message of a bounded length."""
    return message if len(message) <= MAX_MESSAGE_CHARS else message[:MAX_MESSAGE_CHARS] + "…"
