"""Table Schemas: the single source of truth for tables, fields, types and constraints.

Everything else (column lists, pandas dtypes, Arrow schemas, docs) is derived here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .paths import schemas_dir

#: Table Schema type -> (pandas dtype name, Arrow type name). The one mapping of types.
TYPE_MAP = {
    "string": ("string", "string"),
    "integer": ("Int64", "int64"),
    "number": ("Float64", "float64"),
    "boolean": ("boolean", "bool_"),
    "date": ("date32[day][pyarrow]", "date32"),
}


@dataclass(frozen=True)
class TableSchema:
    """One table's Table Schema, with helpers derived from it."""

    name: str
    path: Path
    descriptor: dict

    @property
    def fields(self) -> list[dict]:
        return self.descriptor["fields"]

    @property
    def columns(self) -> list[str]:
        return [field["name"] for field in self.fields]

    @property
    def primary_key(self) -> list[str]:
        return list(self.descriptor["primaryKey"])

    @property
    def foreign_keys(self) -> list[dict]:
        return self.descriptor.get("foreignKeys", [])

    def field(self, name: str) -> dict:
        for field in self.fields:
            if field["name"] == name:
                return field
        raise KeyError(name)

    def pandas_dtypes(self) -> dict:
        """Column -> pandas dtype (enums become Categoricals in the schema's order)."""
        import pandas as pd

        dtypes = {}
        for field in self.fields:
            enum = field.get("constraints", {}).get("enum")
            if enum:
                dtypes[field["name"]] = pd.CategoricalDtype(categories=enum, ordered=False)
            else:
                dtypes[field["name"]] = pd.api.types.pandas_dtype(TYPE_MAP[field["type"]][0])
        return dtypes

    def arrow_schema(self):
        """The Arrow schema of the table, each field documented by its title and description."""
        import pyarrow as pa

        fields = []
        for field in self.fields:
            arrow_type = getattr(pa, TYPE_MAP[field["type"]][1])()
            required = field.get("constraints", {}).get("required", False) or field["name"] in self.primary_key
            metadata = {"title": field["title"], "description": field["description"]}
            fields.append(pa.field(field["name"], arrow_type, nullable=not required, metadata=metadata))
        schema_json = json.dumps(self.descriptor, ensure_ascii=False, sort_keys=True)
        return pa.schema(fields, metadata={"table_schema": schema_json, "table": self.name})


def csv_example(field: dict) -> str:
    """A field's example written as it stands in a CSV cell (booleans as ``true``/``false``)."""
    example = field["example"]
    return json.dumps(example) if isinstance(example, bool) else str(example)


def pandas_dtype_for_arrow():
    """Arrow type -> the pandas dtype ``load`` gives it, from the one mapping ``TYPE_MAP``."""
    import pandas as pd
    import pyarrow as pa

    return {getattr(pa, arrow_name)(): pd.api.types.pandas_dtype(pandas_name)
            for pandas_name, arrow_name in TYPE_MAP.values()}


def constraint_text(field: dict, schema: TableSchema) -> str:
    """A field's constraints and key roles in words, e.g. ``primary key; pattern ^[0-9]{9}$``."""
    parts = []
    if field["name"] in schema.primary_key:
        parts.append("primary key" if len(schema.primary_key) == 1 else "part of the primary key")
    for fk in schema.foreign_keys:
        if field["name"] in fk["fields"]:
            reference = fk["reference"]
            parts.append(f"references {reference['resource']}.{','.join(reference['fields'])}")
    constraints = field.get("constraints", {})
    for key, value in constraints.items():
        if value is True:
            parts.append(key)
        elif key == "enum":
            parts.append("one of: " + ", ".join(map(str, value)))
        else:
            parts.append(f"{key} {value}")
    if field.get("identifier") == "siren":
        parts.append("valid SIREN check digit")
    return "; ".join(parts)


def load_schemas(directory: Path | None = None) -> dict[str, TableSchema]:
    """All Table Schemas of a folder (default: the package's), shared definitions resolved, by table name.

    Raises ProblemsFound when the metadata departs from the project's profile.
    """
    from .metadata import load_schemas as load

    return load(directory or schemas_dir())


def load_order(schemas: dict[str, TableSchema]) -> list[str]:
    """Table names ordered so that every table comes after the tables it references."""
    ordered: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in trail:
            raise ValueError(f"foreign keys form a cycle: {' -> '.join(trail + (name,))}")
        for fk in schemas[name].foreign_keys:
            target = fk["reference"]["resource"] or name
            if target != name:
                visit(target, trail + (name,))
        ordered.append(name)

    for name in schemas:
        visit(name, ())
    return ordered
