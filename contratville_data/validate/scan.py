"""Bounds checked before any data is parsed, so that no file can take unbounded time or memory.

Each local file is read once as a stream of (decompressed) bytes, a megabyte at a time, and stops at
the first bound it breaks: ``--max-bytes`` applies to the decompressed bytes of a compressed file;
a CSV may not hold a NUL byte, a physical line longer than ``--max-line-bytes`` or a header of more
than ``--max-columns`` columns. A Parquet file's footer is read alone: its column count, the rows
it claims against the rows its row groups claim, and the bytes its columns expand to. Tables that
frictionless would read in any other format (Excel, ODS, JSON tables, SQL...) are refused: their
readers cannot be bounded.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import lzma
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..limits import MAX_COLUMNS, MAX_FILE_BYTES, MAX_LINE_BYTES
from ..problems import Problem
from .archive import ArchiveError, open_member, open_zip

#: The table formats validate reads: text ones are scanned line by line.
TEXT_FORMATS = ("csv", "tsv")
TABLE_FORMATS = (*TEXT_FORMATS, "parquet")
#: Resource properties that change nothing in how frictionless opens a file.
PLAIN_KEYS = {"name", "type", "path", "scheme", "format", "mediatype", "encoding", "title", "description", "bytes",
              "hash", "schema", "sources", "licenses"}
_CHUNK = 1 << 20
_DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class Bounds:
    """The bounds a package of unknown origin is held to."""

    max_bytes: int = MAX_FILE_BYTES
    max_line_bytes: int = MAX_LINE_BYTES
    max_columns: int = MAX_COLUMNS


def scan_problems(resource: dict, path: Path, bounds: Bounds) -> list[Problem]:
    """The first bound the local file breaks, as frictionless would read it (format, compression, zip member)."""
    kind = _how_read(resource)
    if kind is None:
        return [Problem("resource-error", "frictionless cannot tell how to read the resource",
                        resource=resource["name"], file=resource["path"][:200])]
    kind_type, fmt, compression, innerpath = kind
    if kind_type == "table" and fmt not in TABLE_FORMATS:
        return [_problem("unsupported-format", f"a table in format {str(fmt)[:50]!r}: validate reads tables as "
                         "CSV, TSV or Parquet only", resource, hint="publish the table as CSV or Parquet")]
    if fmt == "parquet" and compression is None:
        return parquet_problems(resource, path, bounds)
    if compression is None and fmt not in TEXT_FORMATS:
        return []  # read whole by frictionless, within --max-bytes (a file, a JSON document)
    try:
        with _open(path, compression, innerpath) as stream:
            if fmt not in TEXT_FORMATS:
                return _size_problems(stream, resource, bounds)
            found = _text_problems(stream, resource, bounds)
        if found is None or isinstance(found, list):
            return found or []
        what, chunks, at = found
        with _open(path, compression, innerpath) as stream:
            line = _lines_before(stream, min(_CHUNK, bounds.max_line_bytes), chunks, at)
        if what == "binary-content":
            return [_problem("binary-content", "a NUL byte: this is not a text file (or text padded with zeros)",
                             resource, line=line + 1, hint="publish the table as UTF-8 text")]
        return [_line_too_long(resource, bounds, line + 1)]
    except ArchiveError as err:
        return [_problem("compression-error", str(err), resource)]
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as err:
        return [_problem("compression-error", f"cannot decompress the file ({err})", resource)]


def parquet_problems(resource: dict, path: Path, bounds: Bounds) -> list[Problem]:
    """A Parquet footer within bounds, whose row count is its row groups' (read before any row is)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
    except (pa.ArrowException, OSError) as err:
        return [_problem("parquet", f"cannot read the Parquet footer: {err}", resource)]
    if meta.num_columns > bounds.max_columns:
        return [_problem("too-many-columns", f"{meta.num_columns} columns, more than {bounds.max_columns}", resource,
                         hint="raise the bound with --max-columns if you trust the package")]
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    grouped = sum(group.num_rows for group in groups)
    if meta.num_rows != grouped:
        return [_problem("parquet", f"the file's metadata claims {meta.num_rows} rows, its row groups {grouped}",
                         resource, hint="rebuild it: readers that trust the metadata (DuckDB, polars) would see "
                                        "other rows")]
    expanded = sum(group.total_byte_size for group in groups)
    if expanded > bounds.max_bytes:
        return [_problem("too-large", f"its columns expand to {expanded} bytes, more than {bounds.max_bytes}",
                         resource, hint="raise the bound with --max-bytes if you trust the package")]
    return []


def _how_read(resource: dict) -> tuple[str, str | None, str | None, str | None] | None:
    """(type, format, compression, zip member) as frictionless reads the resource; None if it cannot tell."""
    plain = plain_format(resource)
    if plain is not None:
        return "table", plain, None, None
    from frictionless import Resource

    try:
        found = Resource({k: v for k, v in resource.items() if k not in ("schema", "dialect")})
        return found.type, found.format, found.compression, found.innerpath
    except Exception:  # noqa: BLE001 - frictionless raises many types on hostile descriptors
        return None


def plain_format(resource: dict) -> str | None:
    """"csv" or "parquet" for a local file of that format that declares nothing else frictionless reads by.

    Such a resource is a table, neither compressed nor a zip member, for frictionless as here: it
    is told apart without importing frictionless (``tests/test_scan.py`` compares both answers).
    """
    path, declared = resource["path"], resource.get("format")
    if set(resource) - PLAIN_KEYS or resource.get("type", "table") != "table" \
            or resource.get("scheme", "file") != "file" or "://" in path:
        return None
    return declared if declared in ("csv", "parquet") and path.lower().endswith(f".{declared}") else None


@contextmanager
def _open(path: Path, compression: str | None, innerpath: str | None) -> Iterator[BinaryIO]:
    """The file's decompressed bytes as a stream, the member frictionless reads for a zip."""
    openers: dict[str, Callable[[Path], Any]] = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}
    with ExitStack() as stack:
        if compression in openers:
            yield stack.enter_context(openers[compression](path))
        elif compression == "zip":
            archive = stack.enter_context(open_zip(stack.enter_context(path.open("rb"))))
            names = archive.namelist()
            name = innerpath or (names[0] if names else None)
            if name is None or name not in names:
                raise ArchiveError(f"no member {str(name)[:200]!r} in the zip")
            yield stack.enter_context(open_member(archive, archive.getinfo(name)))
        elif compression is None:
            yield stack.enter_context(path.open("rb"))
        else:
            raise ArchiveError(f"unknown compression {str(compression)[:50]!r}")


def _size_problems(stream: BinaryIO, resource: dict, bounds: Bounds) -> list[Problem]:
    total = 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > bounds.max_bytes:
            return [_too_large(resource, bounds)]
    return []


def _text_problems(stream: BinaryIO, resource: dict,
                   bounds: Bounds) -> list[Problem] | tuple[str, int, int | None] | None:
    """Decompressed size, NUL bytes, physical line lengths and header width, in one pass that stops early.

    Chunks are no longer than the line bound, so a line too long always reaches past a chunk: only
    each chunk's first and last line breaks are looked for. Lines are not counted on the way: a NUL
    byte or a line too long is returned as (its kind, the chunks before its chunk, the NUL's index in
    its chunk or None), and ``_lines_before`` counts the lines up to it.
    """
    total = chunks = current = 0
    header = bytearray()
    header_done = False
    size = min(_CHUNK, bounds.max_line_bytes)
    while chunk := stream.read(size):
        total += len(chunk)
        if total > bounds.max_bytes:
            return [_too_large(resource, bounds)]
        nul = chunk.find(b"\x00")
        if nul >= 0:
            return "binary-content", chunks, nul
        first = _first_break(chunk)
        current += len(chunk) if first is None else first
        if current > bounds.max_line_bytes:
            return "line-too-long", chunks, None
        if not header_done:
            header += chunk if first is None else chunk[:first]
            header_done = first is not None
        if first is not None:
            current = len(chunk) - max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) - 1
        chunks += 1
    return _header_problems(bytes(header), resource, bounds)


def _first_break(chunk: bytes) -> int | None:
    """The index of the chunk's first line break (LF or CR), or None."""
    newline = chunk.find(b"\n")
    carriage = chunk.find(b"\r", 0, newline if newline >= 0 else len(chunk))
    return carriage if carriage >= 0 else newline if newline >= 0 else None


def _lines_before(stream: BinaryIO, size: int, chunks: int, at: int | None) -> int:
    """The lines ended in the first ``chunks`` chunks of the stream, and in the next one up to ``at``."""
    lines = 0
    for _ in range(chunks):
        lines += _line_ends(stream.read(size))
    return lines if at is None else lines + _line_ends(stream.read(size)[:at])


def _line_ends(data: bytes) -> int:
    """How many lines end in ``data`` (LF, CRLF or a lone CR)."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _header_problems(header: bytes, resource: dict, bounds: Bounds) -> list[Problem]:
    """More columns than the bound, with any delimiter frictionless may sniff."""
    text = header.decode("utf-8", errors="replace")
    for delimiter in _DELIMITERS:
        if text.count(delimiter) < bounds.max_columns:
            continue
        try:
            width = len(next(csv.reader([text], delimiter=delimiter), []))
        except csv.Error:
            continue
        if width > bounds.max_columns:
            return [_problem("too-many-columns", f"a header of {width} columns, more than {bounds.max_columns}",
                             resource, line=1, hint="raise the bound with --max-columns if you trust the package")]
    return []


def _too_large(resource: dict, bounds: Bounds) -> Problem:
    return _problem("too-large", f"expands to more than {bounds.max_bytes} bytes", resource,
                    hint="raise the bound with --max-bytes if you trust the package")


def _line_too_long(resource: dict, bounds: Bounds, line: int) -> Problem:
    return _problem("line-too-long", f"a line longer than {bounds.max_line_bytes} bytes", resource, line=line,
                    hint="raise the bound with --max-line-bytes if you trust the package")


def _problem(kind: str, message: str, resource: dict, *, line: int | None = None, hint: str | None = None) -> Problem:
    return Problem(kind, message, resource=resource["name"], file=resource["path"][:200], line=line, hint=hint)
