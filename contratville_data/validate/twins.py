"""Twins: a file of another format (Parquet) must hold exactly its CSV twin's rows, with the schema's types.

Twins are paired by the naming rule of the format registry (``<table>-parquet`` with ``<table>``).
While a CSV is proven, each Parquet twin is read alongside it in batches (``TwinStream``); a twin that
does not read as expected, and the twins of CSVs that are not proven, are compared whole
(``twin_problems``), which gives every problem its precise report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ..problems import Problem
from .paths import is_remote
from .tables import read_csv_arrow, schema_key

#: Parquet rows decoded at once while streaming.
BATCH_ROWS = 1 << 16


def twin_problems(resource: dict, twin: dict | None, schemas: dict, read: Callable[[str], object],
                  max_problems: int) -> list[Problem]:
    """A Parquet file must hold exactly its CSV twin's rows, with the types its schema implies.

    ``twin`` is the CSV resource the naming rule pairs it with; ``read`` gives a file's bytes by its path.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..csvproof import arrow_types

    name = resource.get("name")
    schema = schemas.get(schema_key(resource))
    expected_types = arrow_types(schema) if isinstance(schema, dict) else None
    if schema is None or expected_types is None:
        return []  # frictionless reports the schema's own problems
    try:
        parquet = pq.ParquetFile(pa.BufferReader(read(resource["path"])))
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
    csv_table = read_csv_arrow(read(twin["path"]), expected_types, schema.get("missingValues", [""])) \
        if twin is not None and not is_remote(twin["path"]) else None
    if csv_table is None:
        return problems  # the CSV's own problems are reported by frictionless
    table = table.select(list(expected_types))
    if table.num_rows != csv_table.num_rows:
        return [Problem("parquet-twin", f"{table.num_rows} rows, its CSV twin {twin['path'] if twin else ''} has "
                        f"{csv_table.num_rows}", resource=name, file=resource["path"])]
    differences = _Differences(resource, max_problems)
    for column in expected_types:
        differences.add(column, table[column], csv_table[column], 0)
    return differences.problems()


class TwinStream:
    """A Parquet file compared with its CSV twin batch by batch, as the CSV is proven.

    Called with each typed batch of the CSV and the index of its first row; ``problems`` gives the
    differences, or None when the file did not read as expected (unreadable, other types or another
    row count): ``twin_problems`` then says precisely what is wrong.
    """

    def __init__(self, resource: dict, schema: dict | None, path: Path, max_problems: int):
        import pyarrow.parquet as pq

        from ..csvproof import arrow_types

        self.resource = resource
        self.differences = _Differences(resource, max_problems)
        self.batches: Iterator | None = None
        self.buffered: list = []
        self.rows = 0
        expected = arrow_types(schema) if isinstance(schema, dict) else None
        try:
            parquet = pq.ParquetFile(str(path))
            if expected is not None and [(f.name, f.type) for f in parquet.schema_arrow] == list(expected.items()):
                self.schema, self.total = parquet.schema_arrow, parquet.metadata.num_rows
                self.batches = parquet.iter_batches(BATCH_ROWS)
        except Exception:  # noqa: BLE001, S110 - pyarrow raises several types; twin_problems reports them
            pass

    def __call__(self, batch, offset: int) -> None:
        if self.batches is None:
            return
        try:
            rows = self._take(batch.num_rows)
        except Exception:  # noqa: BLE001 - twin_problems reports it
            self.batches = None
            return
        batch = batch.slice(0, rows.num_rows)
        for index, column in enumerate(rows.column_names):
            self.differences.add(column, rows.column(index), batch.column(index), offset)

    def problems(self, csv_rows: int) -> list[Problem] | None:
        if self.batches is None or csv_rows != self.total or self.rows != self.total:
            return None
        return self.differences.problems()

    def _take(self, count: int):
        """The next ``count`` rows of the file (fewer at its end), as a table."""
        import pyarrow as pa

        held = sum(b.num_rows for b in self.buffered)
        while held < count and self.batches is not None:
            batch = next(self.batches, None)
            if batch is None:
                break
            self.buffered.append(batch)
            held += batch.num_rows
        table = pa.Table.from_batches(self.buffered, schema=self.schema)
        taken = table.slice(0, count)
        self.buffered = table.slice(count).to_batches()
        self.rows += taken.num_rows
        return taken


class _Differences:
    """The cells where a Parquet file differs from its CSV twin, at most ``max_problems`` a column, column by column."""

    def __init__(self, resource: dict, max_problems: int):
        self.resource, self.max_problems = resource, max_problems
        self.found: dict[str, list[Problem]] = {}

    def add(self, column: str, left, right, offset: int) -> None:
        """Compare a Parquet column (``left``) with the CSV's (``right``), whose first row is row ``offset``."""
        import pyarrow as pa
        import pyarrow.compute as pc

        found = self.found.setdefault(column, [])
        left, right = (c if isinstance(c, pa.ChunkedArray) else pa.chunked_array([c]) for c in (left, right))
        if len(found) >= self.max_problems or left.equals(right):
            return
        differs = pc.invert(pc.fill_null(pc.equal(left, right), False))
        same_null = pc.and_(pc.is_null(left), pc.is_null(right))
        differs = pc.and_(differs, pc.invert(same_null))
        for index in pc.indices_nonzero(differs).to_pylist()[:self.max_problems - len(found)]:
            found.append(Problem("parquet-twin", f"differs from its CSV twin ({_cell(right, index)})",
                                 resource=self.resource.get("name"), file=self.resource["path"],
                                 row=offset + index + 1, line=offset + index + 2, field=column,
                                 value=_cell(left, index)))

    def problems(self) -> list[Problem]:
        return [p for found in self.found.values() for p in found]


def _cell(column, index: int) -> str:
    """One value as text; Arrow holds some (a date in year 0) that Python cannot."""
    try:
        return str(column[index].as_py())
    except (OverflowError, ValueError):
        import pyarrow as pa

        return column.slice(index, 1).cast(pa.string())[0].as_py()
