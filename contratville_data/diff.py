"""Compare two published packages (descriptors or release zips) table by table.

Tables are read from their CSV resources with their Table Schemas: rows are matched by primary key
and cells compared as written (codes stay strings, a schema's missing values are empty). Schema
changes are fields added, removed or retyped, and a changed primary key.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath


class DiffError(Exception):
    """An input that cannot be compared: unreadable, not a package, or with unusable tables."""


@dataclass
class Table:
    """One table of a package: its schema and its rows by primary key."""

    fields: dict[str, str]  # field name -> type, in schema order
    primary_key: list[str]
    rows: dict[tuple, dict]


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


def diff_packages(old: Path, new: Path) -> PackageDiff:
    """Compare the packages at ``old`` and ``new`` (each a ``datapackage.json`` or a release zip)."""
    old_meta, old_tables = read_package(old)
    new_meta, new_tables = read_package(new)
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
            cells = {f: {"old": before.get(f), "new": after.get(f)} for f in common if before.get(f) != after.get(f)}
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


def read_package(path: Path) -> tuple[dict, dict[str, Table]]:
    """({path, name, version}, tables by name) of the package at ``path``; DiffError if unusable."""
    from .validate import MAX_DESCRIPTOR_BYTES, MAX_FILE_BYTES

    def limit(member: str) -> int:
        return MAX_DESCRIPTOR_BYTES if member == "datapackage.json" else MAX_FILE_BYTES

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return _read(path, _zip_reader(archive, path, limit))
        return _read(path, _folder_reader(path, limit))
    except (OSError, LookupError, UnicodeDecodeError, csv.Error, zipfile.BadZipFile, zlib.error) as err:
        raise DiffError(f"{path}: cannot read the package ({err})") from None


def _read(path: Path, read) -> tuple[dict, dict[str, Table]]:
    from .formats import PRIMARY
    from .validate.descriptor import parse_descriptor

    descriptor, problems = parse_descriptor(read("datapackage.json"), "datapackage.json")
    if descriptor is None:
        raise DiffError(f"{path}: {problems[0].message}")
    tables = {}
    for resource in descriptor["resources"]:
        if resource.get("format") == PRIMARY.name:
            tables[resource["name"]] = _read_table(path, resource, read)
    meta = {"path": str(path), "name": descriptor.get("name"), "version": descriptor.get("version")}
    return meta, tables


def _read_table(path: Path, resource: dict, read) -> Table:
    name = resource.get("name")
    schema = resource.get("schema")
    if isinstance(schema, str):
        schema = json.loads(read(schema))
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise DiffError(f"{path}: resource {name!r} has no Table Schema with fields")
    if not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in schema["fields"]):
        raise DiffError(f"{path}: resource {name!r} has a schema field without a name")
    if not isinstance(resource.get("path"), str):
        raise DiffError(f"{path}: resource {name!r} needs a single 'path' string")
    fields = {f["name"]: f.get("type", "any") for f in schema["fields"]}
    key = schema.get("primaryKey") or list(fields)
    key = [key] if isinstance(key, str) else list(key)
    missing = {m["value"] if isinstance(m, dict) else m for m in schema.get("missingValues", [""])}  # v2 allows labels
    text = read(resource["path"]).decode(resource.get("encoding", "utf-8"))
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    if not set(key) <= set(header):
        raise DiffError(f"{path}: {resource['path']} lacks primary key column(s) "
                        f"{', '.join(sorted(set(key) - set(header)))}")
    rows: dict[tuple, dict] = {}
    for line, cells in enumerate(reader, start=2):
        row = {column: None if value in missing else value for column, value in zip(header, cells)}
        values = tuple(row.get(k) for k in key)
        if values in rows:
            raise DiffError(f"{path}: {resource['path']}:{line} repeats the primary key "
                            f"({', '.join(key)}) = {values}; validate the package first")
        rows[values] = row
    return Table(fields, key, rows)


def _safe(path: Path, member: str) -> str:
    """A package-relative path that stays inside the package, or DiffError."""
    from .validate.paths import is_remote, unsafe_reason

    reason = "is remote" if is_remote(member) else unsafe_reason(member)
    if reason:
        raise DiffError(f"{path}: {member[:200]!r} {reason}")
    return member


def _folder_reader(descriptor: Path, limit):
    """Reads members relative to the descriptor's folder; ``datapackage.json`` is the descriptor itself."""
    root = descriptor.resolve().parent

    def read(member: str) -> bytes:
        from .validate.paths import resolve_inside

        if member == "datapackage.json":
            target = descriptor
        else:
            _safe(descriptor, member)
            found, reason = resolve_inside(root, member)
            if found is None:
                raise DiffError(f"{descriptor}: {member[:200]} {reason}")
            target = found
        if not target.is_file():
            raise DiffError(f"{descriptor}: {member} is not a regular file")
        if target.stat().st_size > limit(member):
            raise DiffError(f"{descriptor}: {member} is larger than {limit(member)} bytes")
        return target.read_bytes()

    return read


def _zip_reader(archive: zipfile.ZipFile, path: Path, limit):
    """Reads members relative to the zip's ``datapackage.json``, at its top or in one top folder."""
    descriptors = sorted((n for n in archive.namelist() if PurePosixPath(n).name == "datapackage.json"
                          and len(PurePosixPath(n).parts) <= 2), key=lambda n: len(PurePosixPath(n).parts))
    if not descriptors:
        raise DiffError(f"{path}: no datapackage.json at the top of the zip or in its top folder")
    prefix = descriptors[0][: -len("datapackage.json")]

    def read(member: str) -> bytes:
        name = prefix + _safe(path, member)
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise DiffError(f"{path}: {member} not found in the zip") from None
        if info.file_size > limit(member):
            raise DiffError(f"{path}: {member} is larger than {limit(member)} bytes")
        return archive.read(info)

    return read


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
