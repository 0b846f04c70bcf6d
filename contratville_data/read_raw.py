"""Read raw/ CSV tables: strict structural checks, then every cell as a string."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .limits import MAX_CELL_CHARS
from .problems import Problem
from .schemas import TableSchema

_OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
#: One well-formed CSV record: cells either plain (no quote, comma or line break) or fully quoted.
_CELL = r'(?:"(?:[^"]|"")*"|[^",\r\n]*)'
_RECORD = re.compile(rf"{_CELL}(?:,{_CELL})*\r?", re.DOTALL)
#: A carriage return that does not end a CRLF line.
_LONE_CR = re.compile(r"\r(?!\n)")


@dataclass
class RawTable:
    """One raw table: its rows as strings (None for an empty cell) and each row's line number."""

    name: str
    file: str
    columns: list[str]
    rows: list[list[str | None]]
    lines: list[int]


def read_raw_table(path: Path, schema: TableSchema, label: str) -> tuple[RawTable | None, list[Problem]]:
    """Read one raw CSV file; return the table (None if unreadable) and the problems found."""
    if not path.is_file():
        return None, [Problem("missing-file", "file not found", file=label,
                              hint=f"create it with the header: {','.join(schema.columns)}")]
    data = path.read_bytes()
    if not data.strip():
        return None, [Problem("empty-file", "file is empty", file=label, line=1,
                              hint=f"the first line must be the header: {','.join(schema.columns)}")]
    if data.startswith(b"\xef\xbb\xbf"):
        return None, [Problem("bom", "file starts with a UTF-8 byte order mark (BOM)", file=label, line=1,
                              hint="save as 'CSV UTF-8' without BOM, or remove the first three bytes")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        return None, [Problem("encoding-error", f"not UTF-8: byte 0x{data[err.start]:02x} at byte offset {err.start} "
                              f"(character {column} of the line)", file=label, line=line,
                              hint="re-save the file as UTF-8 (it is probably Latin-1 / Windows-1252)")]
    return _parse(text, schema, label)


def _line_ending(text: str, label: str) -> Problem | None:
    """A carriage return without a line feed: classic Mac OS line endings, or a stray one inside a line."""
    found = _LONE_CR.search(text)
    if found is None:
        return None
    if "\n" not in text:
        return Problem("line-ending", "the lines end with a carriage return alone (classic Mac OS line endings)",
                       file=label, line=1, hint="save the file with LF (or CRLF) line endings")
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - text.rfind("\n", 0, found.start())
    return Problem("line-ending", f"a carriage return (U+000D) without a line feed at character {column} of the "
                   f"line, which ends the record there for some readers and not for others", file=label, line=line,
                   hint="delete it (inside a cell, write the value on one line), or save the file with LF or CRLF "
                        "line endings")


def _parse(text: str, schema: TableSchema, label: str) -> tuple[RawTable | None, list[Problem]]:
    problems: list[Problem] = []
    stray = _line_ending(text, label)
    if stray is not None:
        return None, [stray]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    physical = text.split("\n")
    start = 1
    try:
        for record in reader:
            if not _RECORD.fullmatch("\n".join(physical[start - 1:reader.line_num])):
                raise csv.Error("a double quote inside a cell that is not quoted, or text after a closing quote")
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as err:
        if "field limit" in str(err):
            return None, [_too_large(label, start, None)]
        problems.append(Problem("malformed-csv", f"cannot parse the record starting here: {err}", file=label,
                                line=start, hint="check for an unbalanced double quote in this record"))
        return None, problems

    header_line, header = records[0]
    if any(len(cell) > MAX_CELL_CHARS for cell in header):
        return None, [_too_large(label, header_line, None)]
    delimiter = next((d for d in _OTHER_DELIMITERS if len(header) == 1 and d in header[0]), None)
    if delimiter:
        return None, [Problem("delimiter", f"the delimiter looks like a {_OTHER_DELIMITERS[delimiter]}, not a comma",
                              file=label, line=header_line, value=header[0][:80],
                              hint="export the sheet as CSV with comma separators")]
    problems += _check_header(header, schema, label)
    if problems:
        return None, problems

    rows, lines = [], []
    for line, record in records[1:]:
        if not any(record):
            problems.append(Problem("blank-row", "blank line", file=label, line=line,
                                    hint="delete the empty line"))
            continue
        if len(record) != len(header):
            kind = "extra-cell" if len(record) > len(header) else "missing-cell"
            problems.append(Problem(kind, f"{len(record)} cells where the header has {len(header)}",
                                    file=label, line=line, value=",".join(record)[:80],
                                    hint="quote cells that contain a comma, and check for missing or extra cells"))
            continue
        large = next((column for column, cell in zip(header, record) if len(cell) > MAX_CELL_CHARS), None)
        if large is not None:
            problems.append(_too_large(label, line, large))
            continue
        rows.append([cell if cell != "" else None for cell in record])
        lines.append(line)
    if not rows and not problems:
        problems.append(Problem("no-rows", "the file has a header but no data rows", file=label, line=2,
                                hint="add the table's rows under the header"))
    return RawTable(schema.name, label, header, rows, lines), problems


def _too_large(label: str, line: int, column: str | None) -> Problem:
    return Problem("cell-size", f"a cell longer than {MAX_CELL_CHARS:,} characters", file=label, line=line,
                   field=column, hint="shorten the value; a long text belongs in a document the row cites")


def _check_header(header: list[str], schema: TableSchema, label: str) -> list[Problem]:
    expected = schema.columns
    if header == expected:
        return []
    problems = []
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    hint = f"the header must be: {','.join(expected)}"
    for column in extra:
        problems.append(Problem("extra-label", "column not in the table's schema" +
                                (f" (renamed? missing: {', '.join(missing)})" if missing else ""),
                                file=label, line=1, field=column, hint=hint))
    for column in missing:
        problems.append(Problem("missing-label", "column missing", file=label, line=1, field=column, hint=hint))
    duplicated = sorted({c for c in header if header.count(c) > 1})
    for column in duplicated:
        problems.append(Problem("duplicate-label", "column appears more than once", file=label, line=1,
                                field=column, hint=hint))
    if not problems:
        problems.append(Problem("incorrect-label", "columns are not in the schema's order", file=label, line=1,
                                value=",".join(header), hint=hint))
    return problems
