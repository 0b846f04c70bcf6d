"""Read a JSON file of unknown quality: bounded in size, any nesting depth, problems instead of tracebacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .problems import Problem


def load_json(path: Path, label: str, problem: str, *, max_bytes: int) -> tuple[Any, list[Problem]]:
    """(the parsed document, []) or (None, [one ``problem``-typed Problem saying why it cannot be read])."""
    def refuse(message: str, line: int | None = None, hint: str | None = None) -> tuple[None, list[Problem]]:
        return None, [Problem(problem, message, file=label, line=line, hint=hint)]

    try:
        if not path.is_file():
            return refuse("not a regular file" if path.exists() else "file not found")
        if path.stat().st_size > max_bytes:
            return refuse(f"larger than {max_bytes} bytes")
        text = path.read_bytes().decode("utf-8")
    except OSError as err:
        return refuse(f"cannot read the file: {err.strerror or err}")
    except UnicodeDecodeError as err:
        return refuse(f"not UTF-8: byte 0x{err.object[err.start]:02x} at offset {err.start}",
                      hint="save the file as UTF-8")
    try:
        return json.loads(text), []
    except json.JSONDecodeError as err:
        return refuse(f"not valid JSON: {err.msg} (column {err.colno})", line=err.lineno,
                      hint="check the commas and quotes around this line")
    except RecursionError:
        return refuse("nested too deeply to be read", hint="a metadata document needs only a few levels")
