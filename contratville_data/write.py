"""Write typed tables as CSV and Parquet, byte for byte reproducibly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from .schemas import TableSchema


def write_csv(df: pd.DataFrame, path: Path, schema: TableSchema) -> None:
    """UTF-8 without BOM, comma, header, LF line ends, quoting only where needed."""
    out = df.copy()
    for field in schema.fields:
        if field["type"] == "boolean":
            out[field["name"]] = out[field["name"]].map({True: "true", False: "false"}, na_action="ignore")
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", na_rep="")


def write_parquet(df: pd.DataFrame, path: Path, schema: TableSchema) -> None:
    """Parquet with the Arrow schema derived from the Table Schema (and its documentation)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_schema = schema.arrow_schema()
    arrays = []
    for arrow_field in arrow_schema:
        column = df[arrow_field.name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype("string")
        arrays.append(pa.array(column, type=arrow_field.type, from_pandas=True))
    table = pa.Table.from_arrays(arrays, schema=arrow_schema)
    pq.write_table(table, path, compression="zstd", store_schema=True)


def file_hash(path: Path) -> str:
    """``sha256:<hex>`` of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"
