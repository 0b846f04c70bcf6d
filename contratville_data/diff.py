"""Compare two published packages (descriptors or release zips) table by table.

Tables are read from their CSV resources with their Table Schemas: rows are matched by primary key
and cells compared as written (codes stay strings, a schema's missing values are empty). Schema
changes are fields added, removed or retyped, and a changed primary key.

Packages may come from anyone, so reading one is bounded like ``validate``: only regular files
are opened (never a FIFO or a device); zips are opened once their member count is known, never
when encrypted, and their members' decompressed bytes are counted; JSON members are bounded in
size and depth; CSV lines, cells (``limits.MAX_CELL_CHARS``), columns and the cells held for one
package (``--max-cells``) are bounded, rows being tuples of cells. Every refusal is a DiffError
with a message.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .limits import MAX_COLUMNS, MAX_DESCRIPTOR_BYTES, MAX_DIFF_CELLS, MAX_FILE_BYTES, MAX_LINE_BYTES


class DiffError(Exception):
    """An input that cannot be compared: unreadable, not a package, or with unusable tables."""


@dataclass(frozen=True)
class Bounds:
    """What one package may make diff read and hold."""

    max_bytes: int = MAX_FILE_BYTES  # a file, decompressed
    max_cells: int = MAX_DIFF_CELLS  # all the cells of a package's tables


@dataclass
class Table:
    """One table of a package: its schema, its header and its rows (tuples in header order) by primary key."""

    fields: dict[str, str]  # field name -> type, in schema order
    primary_key: list[str]
    header: list[str]
    rows: dict[tuple, tuple]

    def __post_init__(self) -> None:
        self.positions = {name: index for index, name in reversed(list(enumerate(self.header)))}

    def cell(self, row: tuple, name: str) -> str | None:
        """The row's cell in column ``name`` (None when missing, or when the row is short)."""
        index = self.positions.get(name, len(row))
        return row[index] if index < len(row) else None


@dataclass
class TableDiff:
    """What changed in one table between the old and the new package."""

    name: str
    status: str  # "added", "removed", "changed" or "unchanged"
    fields_added: list[dict] = field(default_factory=list)
    fields_removed: list[dict] = field(default_factory=list)
    fields_retyped: list[dict] = field(default_factory=list)
    primary_key: dict | None = None
    rows_added: list[dict] = field(default_factory=list)
    rows_removed: list[dict] = field(default_factory=list)
    rows_changed: list[dict] = field(default_factory=list)
    row_count: int | None = None  # rows of a table added or removed as a whole


@dataclass
class PackageDiff:
    """Every table's differences; ``identical`` when there are none."""

    old: dict
    new: dict
    tables: list[TableDiff]

    @property
    def identical(self) -> bool:
        return all(t.status == "unchanged" for t in self.tables)

    def to_dict(self) -> dict:
        return {"identical": self.identical, "old": self.old, "new": self.new,
                "tables": [asdict(t) for t in self.tables]}


def diff_packages(old: Path, new: Path, bounds: Bounds = Bounds()) -> PackageDiff:
    """Compare the packages at ``old`` and ``new`` (each a ``datapackage.json`` or a release zip)."""
    old_meta, old_tables = read_package(old, bounds)
    new_meta, new_tables = read_package(new, bounds)
    tables = []
    for name in sorted(set(old_tables) | set(new_tables)):
        if name not in old_tables:
            tables.append(TableDiff(name, "added", row_count=len(new_tables[name].rows)))
        elif name not in new_tables:
            tables.append(TableDiff(name, "removed", row_count=len(old_tables[name].rows)))
        else:
            tables.append(_diff_table(name, old_tables[name], new_tables[name]))
    return PackageDiff(old_meta, new_meta, tables)


def _diff_table(name: str, old: Table, new: Table) -> TableDiff:
    result = TableDiff(name, "unchanged")
    result.fields_added = [{"name": f, "type": t} for f, t in new.fields.items() if f not in old.fields]
    result.fields_removed = [{"name": f, "type": t} for f, t in old.fields.items() if f not in new.fields]
    result.fields_retyped = [{"name": f, "old": old.fields[f], "new": t} for f, t in new.fields.items()
                             if f in old.fields and old.fields[f] != t]
    if old.primary_key != new.primary_key:
        result.primary_key = {"old": old.primary_key, "new": new.primary_key}
    else:
        key = new.primary_key
        common = [f for f in new.fields if f in old.fields]
        result.rows_added = [_key(key, k) for k in sorted(new.rows.keys() - old.rows.keys(), key=_sortable)]
        result.rows_removed = [_key(key, k) for k in sorted(old.rows.keys() - new.rows.keys(), key=_sortable)]
        for k in sorted(old.rows.keys() & new.rows.keys(), key=_sortable):
            before, after = old.rows[k], new.rows[k]
            pairs = {f: (old.cell(before, f), new.cell(after, f)) for f in common}
            cells = {f: {"old": a, "new": b} for f, (a, b) in pairs.items() if a != b}
            if cells:
                result.rows_changed.append({"key": _key(key, k), "fields": cells})
    if (result.fields_added or result.fields_removed or result.fields_retyped or result.primary_key
            or result.rows_added or result.rows_removed or result.rows_changed):
        result.status = "changed"
    return result


def _key(fields: list[str], values: tuple) -> dict:
    return dict(zip(fields, values))


def _sortable(values: tuple) -> tuple:
    return tuple("" if v is None else v for v in values)


def read_package(path: Path, bounds: Bounds = Bounds()) -> tuple[dict, dict[str, Table]]:
    """({path, name, version}, tables by name) of the package at ``path``; DiffError if unusable."""
    from .validate.archive import ArchiveError, open_zip
    from .validate.cells import csv_cell_bound

    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise DiffError(f"{path}: not a regular file (a package is a datapackage.json or a zip)")
        with ExitStack() as stack:
            stack.enter_context(csv_cell_bound())
            handle = stack.enter_context(open(path, "rb"))
            if handle.read(4) == b"PK\x03\x04":
                archive = stack.enter_context(open_zip(handle))
                return _read(path, _zip_opener(archive, path, bounds), bounds)
            return _read(path, _folder_opener(path, bounds), bounds)
    except ArchiveError as err:
        raise DiffError(f"{path}: {err}") from None
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise DiffError(f"{path}: cannot read the package ({err})") from None
    except csv.Error as err:
        raise DiffError(f"{path}: a CSV file cannot be read ({err})") from None


Opener = Callable[[str], AbstractContextManager[BinaryIO]]


def _read(path: Path, opener: Opener, bounds: Bounds) -> tuple[dict, dict[str, Table]]:
    from .formats import PRIMARY
    from .validate.descriptor import check_shape

    descriptor, problems = check_shape(_json(path, opener, "datapackage.json", "descriptor"), "datapackage.json")
    if descriptor is None:
        raise DiffError(f"{path}: {problems[0].message}")
    tables: dict[str, Table] = {}
    cells = [0]
    for resource in descriptor["resources"]:
        if resource.get("format") == PRIMARY.name:
            if resource["name"] in tables:
                raise DiffError(f"{path}: two resources are named {resource['name'][:200]!r}")
            tables[resource["name"]] = _read_table(path, resource, opener, bounds, cells)
    meta = {"path": str(path), "name": _text(descriptor.get("name")), "version": _text(descriptor.get("version"))}
    return meta, tables


def _text(value) -> str | None:
    return value[:200] if isinstance(value, str) else None


def _json(path: Path, opener: Opener, member: str, kind: str):
    """A JSON member, bounded in size and depth; DiffError if it is not one."""
    from .jsonfile import parse_json
    from .validate.archive import read_bounded

    with opener(member) as stream:
        data = read_bounded(stream, MAX_DESCRIPTOR_BYTES, member)
    document, problems = parse_json(data, member, kind)
    if problems:
        where = "the descriptor" if member == "datapackage.json" else member[:200]
        raise DiffError(f"{path}: {where}: {problems[0].message}")
    return document


def _read_table(path: Path, resource: dict, opener: Opener, bounds: Bounds, cells: list[int]) -> Table:
    name = resource["name"][:200]
    schema = resource.get("schema")
    if isinstance(schema, str):
        schema = _json(path, opener, schema, "schema-error")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise DiffError(f"{path}: resource {name!r} has no Table Schema with fields")
    if not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in schema["fields"]):
        raise DiffError(f"{path}: resource {name!r} has a schema field without a name")
    fields = {f["name"]: str(f.get("type", "any"))[:50] for f in schema["fields"]}
    key = schema.get("primaryKey") or list(fields)
    key = [key] if isinstance(key, str) else key
    if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
        raise DiffError(f"{path}: resource {name!r}: 'primaryKey' is not a field name or a list of them")
    missing = schema.get("missingValues", [""])
    if not isinstance(missing, list) or not all(isinstance(m, str) or isinstance(m, dict) and
                                                isinstance(m.get("value"), str) for m in missing):
        raise DiffError(f"{path}: resource {name!r}: 'missingValues' is not a list of strings")
    missing = {m["value"] if isinstance(m, dict) else m for m in missing}  # v2 allows labels
    encoding = _encoding(path, resource)
    with opener(resource["path"]) as stream:
        raw = io.BufferedReader(_Bounded(stream, bounds.max_bytes, resource["path"]))
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(_lines(text, path, resource["path"]))
        header = next(reader, [])
        if len(header) > MAX_COLUMNS:
            raise DiffError(f"{path}: {resource['path'][:200]} has {len(header)} columns, more than {MAX_COLUMNS}")
        if not set(key) <= set(header):
            raise DiffError(f"{path}: {resource['path'][:200]} lacks primary key column(s) "
                            f"{', '.join(sorted(set(key) - set(header)))[:200]}")
        positions = [header.index(k) for k in key]  # the first column of that name, as the rows' cells
        rows: dict[tuple, tuple] = {}
        for line, row in enumerate(reader, start=2):
            cells[0] += len(row)
            if cells[0] > bounds.max_cells:
                raise DiffError(f"{path}: more than {bounds.max_cells} cells; pass --max-cells to compare larger "
                                "packages")
            values = tuple(None if value in missing else value for value in row)
            found = tuple(values[i] if i < len(values) else None for i in positions)
            if found in rows:
                raise DiffError(f"{path}: {resource['path'][:200]}:{line} repeats the primary key "
                                f"({', '.join(key)}) = {str(found)[:200]}; validate the package first")
            rows[found] = values
    return Table(fields, key, header, rows)


def _encoding(path: Path, resource: dict) -> str:
    """The resource's declared text encoding (UTF-8 by default); DiffError for anything else."""
    encoding = resource.get("encoding", "utf-8")
    try:
        if isinstance(encoding, str) and codecs.lookup(encoding)._is_text_encoding:
            return encoding
    except LookupError:
        pass
    raise DiffError(f"{path}: resource {resource['name'][:200]!r}: 'encoding' {repr(encoding)[:50]} is not a text "
                    "encoding")


def _lines(text: io.TextIOWrapper, path: Path, member: str) -> Iterator[str]:
    """The text's physical lines, each of at most MAX_LINE_BYTES characters."""
    while line := text.readline(MAX_LINE_BYTES + 1):
        if len(line) > MAX_LINE_BYTES:
            raise DiffError(f"{path}: {member[:200]} has a line longer than {MAX_LINE_BYTES} characters")
        yield line


class _Bounded(io.RawIOBase):
    """A binary stream that refuses (DiffError) to give more than ``limit`` bytes, whatever was declared."""

    def __init__(self, stream: BinaryIO, limit: int, member: str):
        self.stream, self.left, self.limit, self.member = stream, limit, limit, member

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise DiffError(f"{self.member[:200]} expands to more than {self.limit} bytes")
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)


def _safe(path: Path, member: str) -> str:
    """A package-relative path that stays inside the package, or DiffError."""
    from .validate.paths import is_remote, unsafe_reason

    reason = "is remote" if is_remote(member) else unsafe_reason(member)
    if reason:
        raise DiffError(f"{path}: {member[:200]!r} {reason}")
    return member


def _folder_opener(descriptor: Path, bounds: Bounds) -> Opener:
    """Opens members relative to the descriptor's folder; ``datapackage.json`` is the descriptor itself."""
    from .validate.paths import descriptor_reason, resolve_inside

    reason = descriptor_reason(descriptor)
    if reason:
        raise DiffError(f"{descriptor}: the descriptor {reason}")
    root = descriptor.resolve().parent

    @contextmanager
    def opener(member: str) -> Iterator[BinaryIO]:
        if member == "datapackage.json":
            target = descriptor
        else:
            _safe(descriptor, member)
            found, reason = resolve_inside(root, member)
            if found is None:
                raise DiffError(f"{descriptor}: {member[:200]} {reason}")
            target = found
        with open(target, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise DiffError(f"{descriptor}: {member[:200]} is not a regular file")
            yield handle

    return opener


def _zip_opener(archive: zipfile.ZipFile, path: Path, bounds: Bounds) -> Opener:
    """Opens members relative to the zip's ``datapackage.json``, at its top or in one top folder."""
    from .validate.archive import open_member

    descriptors = sorted((n for n in archive.namelist() if PurePosixPath(n).name == "datapackage.json"
                          and len(PurePosixPath(n).parts) <= 2), key=lambda n: len(PurePosixPath(n).parts))
    if not descriptors:
        raise DiffError(f"{path}: no datapackage.json at the top of the zip or in its top folder")
    prefix = descriptors[0][: -len("datapackage.json")]

    @contextmanager
    def opener(member: str) -> Iterator[BinaryIO]:
        name = prefix + _safe(path, member)
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise DiffError(f"{path}: {member[:200]} not found in the zip") from None
        with open_member(archive, info) as stream:
            yield stream

    return opener


def render_text(result: PackageDiff) -> str:
    """The differences as readable lines, one table after the other."""
    old, new = result.old, result.new
    lines = [f"old: {old['path']} (version {old['version']})", f"new: {new['path']} (version {new['version']})"]
    for table in result.tables:
        if table.status in ("added", "removed"):
            lines.append(f"table {table.name}: {table.status} ({table.row_count} rows)")
        elif table.status == "changed":
            lines.append(f"table {table.name}: {len(table.rows_added)} row(s) added, {len(table.rows_removed)} "
                         f"removed, {len(table.rows_changed)} changed")
            lines += [f"  + field {f['name']} ({f['type']})" for f in table.fields_added]
            lines += [f"  - field {f['name']} ({f['type']})" for f in table.fields_removed]
            lines += [f"  ~ field {f['name']}: {f['old']} -> {f['new']}" for f in table.fields_retyped]
            if table.primary_key:
                lines.append(f"  ~ primary key: ({', '.join(table.primary_key['old'])}) -> "
                             f"({', '.join(table.primary_key['new'])}); rows not compared")
            lines += [f"  + row {_key_text(k)}" for k in table.rows_added]
            lines += [f"  - row {_key_text(k)}" for k in table.rows_removed]
            for change in table.rows_changed:
                cells = "; ".join(f"{f} {_cell(c['old'])} -> {_cell(c['new'])}" for f, c in change["fields"].items())
                lines.append(f"  ~ row {_key_text(change['key'])}: {cells}")
    changed = sum(t.status != "unchanged" for t in result.tables)
    lines.append(f"identical: {len(result.tables)} tables" if result.identical
                 else f"different: {changed} of {len(result.tables)} tables")
    return "\n".join(lines)


def _key_text(key: dict) -> str:
    return ", ".join("(empty)" if v is None else v for v in key.values())


def _cell(value: str | None) -> str:
    return "(empty)" if value is None else repr(value)
