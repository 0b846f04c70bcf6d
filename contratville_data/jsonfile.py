"""Read a JSON document of unknown quality: a regular file, bounded in size and depth, problems not tracebacks."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from .limits import MAX_JSON_DEPTH
from .problems import Problem


def load_json(path: Path, label: str, problem: str, *, max_bytes: int,
              max_depth: int = MAX_JSON_DEPTH) -> tuple[Any, list[Problem]]:
    """(the parsed document, []) or (None, [one ``problem``-typed Problem saying why it cannot be read]).

    Only a regular file is opened (a FIFO or a device would block or never end), and no more than
    ``max_bytes`` of it is read.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return _refuse(problem, label, "not a regular file")
        if info.st_size > max_bytes:
            return _refuse(problem, label, f"larger than {max_bytes} bytes")
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        return _refuse(problem, label, "file not found")
    except (OSError, ValueError) as err:  # ValueError: a NUL in the name
        return _refuse(problem, label, f"cannot read the file: {getattr(err, 'strerror', None) or err}")
    if len(data) > max_bytes:
        return _refuse(problem, label, f"larger than {max_bytes} bytes")
    return parse_json(data, label, problem, max_depth=max_depth)


def parse_json(data: bytes, label: str, problem: str, *, max_depth: int = MAX_JSON_DEPTH) -> tuple[Any, list[Problem]]:
    """The same, from the document's bytes (a member of a zip, say)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return _refuse(problem, label, f"not UTF-8: byte 0x{err.object[err.start]:02x} at offset {err.start}",
                       hint="save the file as UTF-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        return _refuse(problem, label, f"not valid JSON: {err.msg} (column {err.colno})", line=err.lineno,
                       hint="check the commas and quotes around this line")
    except RecursionError:
        document, depth = None, max_depth + 1
    else:
        depth = nesting_depth(document)
    if depth > max_depth:
        return _refuse(problem, label, f"nested too deeply: more than {max_depth} levels",
                       hint="a metadata document needs only a few levels")
    return document, []


def nesting_depth(document: Any) -> int:
    """How deeply lists and objects nest in a parsed document (a scalar is 0), without recursion."""
    deepest = 0
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            pending += [(child, depth + 1) for child in children]
    return deepest


def _refuse(problem: str, label: str, message: str, line: int | None = None,
            hint: str | None = None) -> tuple[None, list[Problem]]:
    return None, [Problem(problem, message, file=label, line=line, hint=hint)]
