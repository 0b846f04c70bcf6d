"""Twins: a file of another format (Parquet) must hold exactly its CSV twin's rows, with the schema's types.

Twins are paired by the naming rule of the format registry (``<table>-parquet`` with ``<table>``).
"""

from __future__ import annotations

from ..problems import Problem
from .tables import read_csv_arrow, schema_key


def twin_problems(resource: dict, twin: dict | None, schemas: dict, data: dict, csv_table,
                   max_problems: int) -> list[Problem]:
    """A Parquet file must hold exactly its CSV twin's rows, with the types its schema implies.

    ``twin`` is the CSV resource the naming rule pairs it with; ``csv_table`` its typed table when proven valid.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from ..csvproof import arrow_types

    name = resource.get("name")
    schema = schemas.get(schema_key(resource))
    expected_types = arrow_types(schema) if isinstance(schema, dict) else None
    if schema is None or expected_types is None:
        return []  # frictionless reports the schema's own problems
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data[resource["path"]]))
        table = parquet.read()  # read_table imports pandas
    except Exception as err:  # noqa: BLE001 - pyarrow raises several types for unreadable files
        return [Problem("parquet", f"cannot read the Parquet file: {err}", resource=name, file=resource["path"])]
    meta = parquet.metadata
    grouped = sum(meta.row_group(i).num_rows for i in range(meta.num_row_groups))
    if not meta.num_rows == grouped == table.num_rows:
        return [Problem("parquet", f"the file's metadata claims {meta.num_rows} rows ({grouped} in its row groups), "
                        f"it holds {table.num_rows}", resource=name, file=resource["path"],
                        hint="rebuild it: readers that trust the metadata (DuckDB, polars) would see other rows")]
    problems = []
    actual_types = {f.name: f.type for f in table.schema}
    if list(actual_types) != list(expected_types) and actual_types == expected_types:
        return [Problem("parquet-type", "columns are not in the schema's order", resource=name,
                        file=resource["path"], value=",".join(actual_types),
                        hint=f"write the columns as {','.join(expected_types)}")]
    if actual_types != expected_types:
        for column in sorted(set(actual_types) | set(expected_types)):
            if actual_types.get(column) != expected_types.get(column):
                problems.append(Problem("parquet-type", f"type {actual_types.get(column)}, the schema implies "
                                        f"{expected_types.get(column)}", resource=name, file=resource["path"],
                                        field=column))
        return problems
    if csv_table is None and twin is not None and twin["path"] in data:
        csv_table = read_csv_arrow(data[twin["path"]], expected_types, schema.get("missingValues", [""]))
    if csv_table is None:
        return problems  # the CSV's own problems are reported by frictionless
    table = table.select(list(expected_types))
    if table.num_rows != csv_table.num_rows:
        return [Problem("parquet-twin", f"{table.num_rows} rows, its CSV twin {twin['path'] if twin else ''} has "
                        f"{csv_table.num_rows}", resource=name, file=resource["path"])]
    for column in expected_types:
        left, right = table[column], csv_table[column]
        if left.equals(right):
            continue
        differs = pc.invert(pc.fill_null(pc.equal(left, right), False))
        same_null = pc.and_(pc.is_null(left), pc.is_null(right))
        differs = pc.and_(differs, pc.invert(same_null))
        for index in pc.indices_nonzero(differs).to_pylist()[:max_problems]:
            problems.append(Problem("parquet-twin", f"differs from its CSV twin ({_cell(right, index)})",
                                    resource=name, file=resource["path"], row=index + 1, line=index + 2,
                                    field=column, value=_cell(left, index)))
    return problems


def _cell(column, index: int) -> str:
    """One value as text; Arrow holds some (a date in year 0) that Python cannot."""
    try:
        return str(column[index].as_py())
    except (OverflowError, ValueError):
        import pyarrow as pa

        return column.slice(index, 1).cast(pa.string())[0].as_py()
