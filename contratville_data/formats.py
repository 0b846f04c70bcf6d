"""The output formats: each one entry, read by every part of the package that writes or reads files.

A table format writes one file per table. Its naming rule: the file is ``build/<table>.<extension>``;
the resource is named ``<table>`` for the primary format (CSV) and ``<table>-<format>`` for the
others, its twins, which must hold the same rows. Adding a format is adding an entry to ``FORMATS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import pandas as pd

    from .schemas import TableSchema

#: Where the EU Publications Office's file-type authority (recommended by DCAT-AP) names formats.
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class Format:
    """One output format of the tables."""

    name: str
    label: str  # as portals display it: CSV, Parquet
    extension: str
    mediatype: str
    eu_file_type: str
    encoding: str | None
    declares_bytes: bool  # frictionless measures a CSV's bytes, not a Parquet table's
    primary: bool
    writer: str  # "module:function" in this package, called as (typed frame, path, schema)

    def path(self, table: str) -> str:
        return f"build/{table}.{self.extension}"

    def resource_name(self, table: str) -> str:
        return table if self.primary else f"{table}-{self.name}"

    def table_of(self, resource_name: str) -> str | None:
        """The table a resource of this format holds, by the naming rule; None if the name does not follow it."""
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

    def write(self, frame: pd.DataFrame, path: Path, schema: TableSchema) -> None:
        from importlib import import_module

        module, function = self.writer.split(":")
        write: Callable = getattr(import_module(f"{__package__}.{module}"), function)
        write(frame, path, schema)


FORMATS = (
    Format("csv", "CSV", "csv", "text/csv", "CSV", "utf-8", declares_bytes=True, primary=True,
           writer="write:write_csv"),
    Format("parquet", "Parquet", "parquet", "application/vnd.apache.parquet", "PARQUET", None,
           declares_bytes=False, primary=False, writer="write:write_parquet"),
)
BY_NAME = {f.name: f for f in FORMATS}
PRIMARY = next(f for f in FORMATS if f.primary)


def format_of(resource: dict) -> Format | None:
    """The registered format of a resource (by its ``format``), or None."""
    return BY_NAME.get(resource.get("format")) if isinstance(resource.get("format"), str) else None


def twin_table(resource: dict) -> str | None:
    """For a resource of a non-primary format, the name of its primary twin by the naming rule."""
    fmt = format_of(resource)
    if fmt is None or fmt.primary or not isinstance(resource.get("name"), str):
        return None
    return fmt.table_of(resource["name"])
