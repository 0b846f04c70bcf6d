"""Load the published tables as typed pandas DataFrames, and describe them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .paths import data_root
from .schemas import TableSchema

T = TypeVar("T")


def _package(root: Path) -> dict:
    """The published descriptor, read safely; ValueError saying why when it cannot be used."""
    from .validate.descriptor import read_descriptor

    descriptor, problems = read_descriptor(root / "datapackage.json")
    if descriptor is None:
        raise ValueError("; ".join(str(p) for p in problems))
    return descriptor


def _resources(root: Path) -> dict[str, dict]:
    """The published tables: name -> {format name: resource}, twins paired by the format registry's naming rule."""
    from .formats import PRIMARY, twin_table

    descriptor = _package(root)
    tables: dict[str, dict] = {r["name"]: {PRIMARY.name: r} for r in descriptor["resources"]
                               if r.get("format") == PRIMARY.name}
    for resource in descriptor["resources"]:
        table = twin_table(resource)
        if table in tables:
            tables[table][resource["format"]] = resource
    return tables


def _table(name: str, root: Path) -> tuple[dict, TableSchema]:
    tables = _resources(root)
    if name not in tables:
        raise ValueError(f"unknown table {name!r}; the tables are: {', '.join(sorted(tables))}")
    resource = tables[name]["csv"]  # the primary format's resource carries the schema
    descriptor = json.loads((root / resource["schema"]).read_text(encoding="utf-8"))
    return tables[name], TableSchema(name, root / resource["schema"], descriptor)


def _read(root: Path, read: Callable[[], T]) -> T:
    """``read()`` on one whole published set: never old tables beside a new descriptor while a build publishes."""
    from .publish import consistent_read

    return consistent_read(root, read)


def load(name: str, *, root: Path | None = None):
    """One published table as a pandas DataFrame typed by its Table Schema.

    Strings are ``string``, integers ``Int64``, numbers ``Float64``, booleans ``boolean``, dates
    ``date32[pyarrow]``, enums Categoricals in the schema's order; keys stay ordinary columns on a
    RangeIndex. ``root`` defaults to this checkout, or to the data installed with the package.
    While a build publishes, waits for it; raises ``publish.PublishError`` when a killed build left a
    publish half done (the next build finishes it).
    """
    root = root or data_root()
    return _read(root, lambda: _load(name, root))


def _load(name: str, root: Path):
    import pyarrow.parquet as pq

    from .schemas import pandas_dtype_for_arrow

    table, schema = _table(name, root)
    arrow_table = pq.read_table(root / table["parquet"]["path"], columns=schema.columns)
    return arrow_table.to_pandas(types_mapper=pandas_dtype_for_arrow().get).astype(schema.pandas_dtypes())


def load_all(*, root: Path | None = None) -> dict:
    """Every published table, by name, all from the same published set."""
    data = root or data_root()
    return _read(data, lambda: {name: _load(name, data) for name in sorted(_resources(data))})


def tables(*, root: Path | None = None):
    """The published tables: name, title, description and row count."""
    root = root or data_root()
    return _read(root, lambda: _tables(root))


def _tables(root: Path):
    import pandas as pd
    import pyarrow.parquet as pq

    rows = []
    for name, table in sorted(_resources(root).items()):
        count = pq.read_metadata(root / table["parquet"]["path"]).num_rows
        rows.append({"name": name, "title": table["csv"].get("title"), "rows": count,
                     "description": table["csv"].get("description")})
    return pd.DataFrame(rows).astype({"name": "string", "title": "string", "rows": "Int64", "description": "string"})


def describe(name: str, *, root: Path | None = None):
    """The fields of one table: name, title, type, constraints, description and example."""
    data = root or data_root()
    return _read(data, lambda: _describe(name, data))


def _describe(name: str, root: Path):
    import pandas as pd

    from .schemas import constraint_text

    _, schema = _table(name, root)
    rows = [{"name": f["name"], "title": f["title"], "type": f["type"],
             "constraints": constraint_text(f, schema), "description": f["description"],
             "example": str(f["example"])} for f in schema.fields]
    return pd.DataFrame(rows, dtype="string")
