"""Read the published package for the site: descriptor, tables as written, Table Schemas, file digests."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


class SiteError(Exception):
    """The package cannot be turned into a site; the message says why and what to do."""


@dataclass(frozen=True)
class DataFile:
    """One downloadable file of the package."""

    path: str  # package-relative POSIX path, as in datapackage.json
    format: str
    title: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Table:
    """One published table: its resource metadata, resolved Table Schema, rows as written, files."""

    name: str
    title: str
    description: str
    schema: dict
    rows: list[dict[str, str]]
    files: list[DataFile]

    @property
    def fields(self) -> list[dict]:
        return self.schema.get("fields", [])

    @property
    def primary_key(self) -> list[str]:
        key = self.schema.get("primaryKey", [])
        return [key] if isinstance(key, str) else list(key)

    @property
    def foreign_keys(self) -> list[dict]:
        return self.schema.get("foreignKeys", [])


@dataclass(frozen=True)
class Package:
    """The published package as the site shows it."""

    root: Path
    descriptor: dict
    tables: dict[str, Table]
    databases: list[DataFile]
    others: list[DataFile]

    def table(self, name: str) -> Table:
        if name not in self.tables:
            raise SiteError(f"datapackage.json has no CSV resource named {name!r}; the site needs it")
        return self.tables[name]

    def copied_paths(self) -> list[str]:
        """Package-relative paths the site copies: the descriptor, data files, schemas, local sources."""
        paths = {"datapackage.json"}
        for resource in self.descriptor.get("resources", []):
            paths.add(_local_path(resource.get("path"), "resource path"))
            if isinstance(resource.get("schema"), str):
                paths.add(_local_path(resource["schema"], "schema path"))
        for source in self.descriptor.get("sources", []):
            path = source.get("path", "")
            if path and "://" not in path:
                paths.add(_local_path(path, "source path"))
        return sorted(paths)


def read_package(root: Path) -> Package:
    """The package whose ``datapackage.json`` is in ``root``; SiteError on anything unreadable."""
    descriptor = read_json(root / "datapackage.json")
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        raise SiteError(f"{root / 'datapackage.json'}: no resources")
    twins: dict[str, list[DataFile]] = {}
    databases, others = [], []
    for resource in resources:
        data_file = _data_file(root, resource)
        schema = resource.get("schema")
        if data_file.format in ("csv", "parquet") and schema is not None:
            twins.setdefault(json.dumps(schema, sort_keys=True), []).append(data_file)
        elif data_file.format in ("sqlite", "sqlite3", "db"):
            databases.append(data_file)
        else:
            others.append(data_file)
    tables = {}
    for resource in resources:
        if resource.get("format") != "csv" or resource.get("schema") is None:
            continue
        name = resource.get("name", "")
        files = sorted(twins[json.dumps(resource["schema"], sort_keys=True)], key=lambda f: f.format)
        tables[name] = Table(
            name=name,
            title=resource.get("title") or name,
            description=resource.get("description", ""),
            schema=_table_schema(root, resource["schema"]),
            rows=_read_csv(root / resource["path"]),
            files=files,
        )
    if not tables:
        raise SiteError(f"{root / 'datapackage.json'}: no CSV table resources")
    return Package(root, descriptor, tables, databases, others)


def read_json(path: Path) -> dict:
    """A JSON object from a file, or SiteError."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SiteError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SiteError(f"{path}: not readable JSON ({error})") from None
    if not isinstance(value, dict):
        raise SiteError(f"{path}: expected a JSON object")
    return value


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _local_path(path: object, what: str) -> str:
    """A package-relative path that stays inside the package, or SiteError."""
    if not isinstance(path, str) or not path or "://" in path:
        raise SiteError(f"datapackage.json: {what} {path!r} is not a local file path")
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path:
        raise SiteError(f"datapackage.json: {what} {path!r} leaves the package folder")
    return str(pure)


def _data_file(root: Path, resource: dict) -> DataFile:
    """Size and SHA-256 of a resource's file, checked against what the descriptor declares."""
    path = _local_path(resource.get("path"), f"path of resource {resource.get('name')!r}")
    file = root / path
    if not file.is_file():
        raise SiteError(f"{file}: listed in datapackage.json but missing; run `contratville-data build`")
    size, digest = file.stat().st_size, sha256_of(file)
    declared_hash = resource.get("hash", "")
    if declared_hash.startswith("sha256:") and declared_hash != f"sha256:{digest}":
        raise SiteError(f"{path}: datapackage.json declares {declared_hash}, the file has sha256:{digest}; "
                        "run `contratville-data build`")
    if "bytes" in resource and resource["bytes"] != size:
        raise SiteError(f"{path}: datapackage.json declares {resource['bytes']} bytes, the file has {size}; "
                        "run `contratville-data build`")
    fmt = resource.get("format") or PurePosixPath(path).suffix.lstrip(".")
    return DataFile(path, fmt.lower(), resource.get("title") or resource.get("name", path), size, digest)


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            return list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise SiteError(f"{path}: not a readable UTF-8 CSV ({error})") from None


def _table_schema(root: Path, schema: object) -> dict:
    """A resource's Table Schema, inline or from its (published, self-contained) file."""
    if isinstance(schema, dict):
        return schema
    return read_json(root / _local_path(schema, "schema path"))
