"""The output formats: each one entry, read by every part of the package that writes or reads files.

A table format writes one file per table: ``build/<table>.<extension>``, a resource named ``<table>``
for the primary format (CSV) and ``<table>-<format>`` for the others, its twins, which must hold the
same rows. A package format writes one file from the whole build: ``build/<stem>.<extension>``, a
resource named ``<stem>-<format>``. Adding a format is adding an entry to ``FORMATS``: the build
writes it, the descriptor, the portal metadata and the web page list it, validate checks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .schemas import TableSchema

#: Where the EU Publications Office's file-type authority (recommended by DCAT-AP) names formats.
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class Outputs:
    """What a package format's writer may use: the checkout, its metadata and the typed tables."""

    root: Path
    package: dict
    schemas: dict[str, TableSchema]
    tables: dict[str, pd.DataFrame]
    sources: list[dict]


@dataclass(frozen=True)
class Format:
    """One output format."""

    name: str
    label: str  # as portals show it: CKAN's resource_formats.json spelling where it has one (CSV, GeoJSON)
    extension: str
    mediatype: str
    eu_file_type: str
    encoding: str | None
    declares_bytes: bool  # frictionless measures a CSV's bytes, not a Parquet table's
    writer: str  # "module:function" in this package
    primary: bool = False
    stem: str | None = None  # package formats: the file's name
    title: str | None = None  # package formats: the resource's title and description
    description: str | None = None
    companions: tuple[str, ...] = ()  # files the writer also writes beside the file, under build/

    @property
    def per_table(self) -> bool:
        return self.stem is None

    def _file(self, table: str | None) -> str:
        name = table if self.per_table else self.stem
        if name is None:
            raise ValueError(f"the {self.name} format writes one file per table: name the table")
        return name

    def path(self, table: str | None = None) -> str:
        return f"build/{self._file(table)}.{self.extension}"

    def resource_name(self, table: str | None = None) -> str:
        name = self._file(table)
        return name if self.primary else f"{name}-{self.name}"

    def table_of(self, resource_name: str) -> str | None:
        """The table a resource of this table format holds, by the naming rule; None if it does not follow it."""
        if not self.per_table:
            return None
        if self.primary:
            return resource_name
        suffix = f"-{self.name}"
        return resource_name[: -len(suffix)] if resource_name.endswith(suffix) else None

    @property
    def file_type_uri(self) -> str:
        return EU_FILE_TYPE + self.eu_file_type

    def descriptor(self) -> dict:
        """The resource members that describe the format."""
        members = {"format": self.name, "mediatype": self.mediatype}
        if self.encoding:
            members["encoding"] = self.encoding
        return members

    def write(self, target: Any, path: Path, schema: TableSchema | None = None) -> None:
        """Write a table (a typed frame and its schema) or, for a package format, the ``Outputs``."""
        from importlib import import_module

        module, function = self.writer.split(":")
        write = getattr(import_module(f"{__package__}.{module}"), function)
        if self.per_table:
            write(target, path, schema)
        else:
            write(target, path)


FORMATS = (
    Format("csv", "CSV", "csv", "text/csv", "CSV", "utf-8", declares_bytes=True, primary=True,
           writer="write:write_csv"),
    Format("parquet", "Parquet", "parquet", "application/vnd.apache.parquet", "PARQUET", None,
           declares_bytes=False, writer="write:write_parquet"),
    # The EU file-type authority has no SQLite entry: BIN (binary data), the media type says which.
    Format("sqlite", "SQLite", "sqlite", "application/vnd.sqlite3", "BIN", None, declares_bytes=True,
           writer="sqlite:write_database", stem="contratville", companions=("datasette.json",),
           title="Toutes les tables (base SQLite)",
           description="Every table in one SQLite database, with its types, primary keys, foreign keys (enforced) "
                       "and indexes; open it with `datasette build/contratville.sqlite -m build/datasette.json`."),
    Format("geojson", "GeoJSON", "geojson", "application/geo+json", "GEOJSON", "utf-8", declares_bytes=True,
           writer="geo:write_boundaries", stem="communes",
           title="Contours des communes (GeoJSON)",
           description="The boundaries of the 11 communes (RFC 7946, WGS 84), one feature per commune with its "
                       "COG code, name and number of priority neighbourhoods: IGN ADMIN EXPRESS COG 2018 via the "
                       "france-geojson project, simplified (Visvalingam weighted, 25 %) and rounded to 5 decimals "
                       "(about 1 m). No boundaries of the neighbourhoods are published: no available source gives "
                       "them."),
)
BY_NAME = {f.name: f for f in FORMATS}
PRIMARY = next(f for f in FORMATS if f.primary)
TABLE_FORMATS = tuple(f for f in FORMATS if f.per_table)
PACKAGE_FORMATS = tuple(f for f in FORMATS if not f.per_table)


def format_of(resource: dict) -> Format | None:
    """The registered format of a resource (by its ``format``), or None."""
    name = resource.get("format")
    return BY_NAME.get(name) if isinstance(name, str) else None


def twin_table(resource: dict) -> str | None:
    """For a resource of a non-primary table format, the name of its primary twin by the naming rule."""
    fmt = format_of(resource)
    if fmt is None or fmt.primary or not isinstance(resource.get("name"), str):
        return None
    return fmt.table_of(resource["name"])
