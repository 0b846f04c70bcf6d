"""Write a synthetic package of N rows from the project's own schemas, for benchmarks and scale tests only.

Never published as data. Values are derived from the Table Schemas, column by column, with vectorised
Arrow kernels: each field's type and constraints (pattern, enum, bounds, uniqueness, required) pick
its generator, and foreign keys take values of the column they reference. Every value is a function
of its row number, so tables are generated and written in bounded batches, whatever N. The rows are
spread over the tables in the published package's proportions, except that a table whose key space
is bounded (the COG pattern admits 101,000 commune codes) stops at that bound and the others share
the rest. The same N always gives the same files, written as the project's writers write them (CSV
quoted only where needed, zstd Parquet with the Table Schema's Arrow schema), with the published
Table Schemas and a descriptor of these table formats, like ``contratville-data build``.

    python scripts/synthetic.py --rows 100000 --out /tmp/synthetic-100k
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from contratville_data.formats import TABLE_FORMATS
from contratville_data.schemas import TableSchema, load_order, load_schemas

ROOT = Path(__file__).resolve().parent.parent

LETTERS = "^[a-z]+$"
COG = "^([013-9][0-9]|2[AB1-9])[0-9]{3}$"
NINE_DIGITS = "^[0-9]{9}$"
SHA256 = "^[0-9a-f]{64}$"
#: The two-character prefixes a COG code may start with (the pattern allows 101), Loire (42) first.
_PREFIXES = [f"{a}{b}" for a in "013456789" for b in "0123456789"] + [f"2{b}" for b in "AB123456789"]
COG_PREFIXES = _PREFIXES[_PREFIXES.index("42"):] + _PREFIXES[:_PREFIXES.index("42")]
COG_CODES = 1000 * len(COG_PREFIXES)
#: One optional value in this many is left empty. Optional integers are always filled: frictionless
#: reads an empty Parquet integer as NaN and reports a false type error, which would skew benchmarks.
EMPTY_EVERY = 5
#: Rows generated and written at a time: Parquet's default row group, so files equal ``write_parquet``'s.
BATCH = 1 << 20
#: Rows turned into CSV text at a time: the text and its intermediates stay a few megabytes.
CSV_SLICE = 1 << 16
#: Characters that make Python's csv module (``QUOTE_MINIMAL``, as pandas writes) quote a cell.
NEEDS_QUOTES = '[,"\r\n]'


def table_rows(total: int, root: Path = ROOT) -> dict[str, int]:
    """Rows per table: ``total`` spread in the published package's proportions, each within its key space."""
    import pyarrow.parquet as pq

    schemas = load_schemas(root / "schemas")
    published = {name: pq.read_metadata(root / "build" / f"{name}.parquet").num_rows for name in schemas}
    if total < sum(published.values()):
        raise ValueError(f"at least {sum(published.values())} rows (the published package's size), not {total}")
    capacity = {name: _capacity(schema) for name, schema in schemas.items()}
    rows: dict[str, int] = {}
    free, remaining = dict(published), total
    while True:
        if not free:
            raise ValueError(f"at most {sum(rows.values())} rows: every table is at the size its key space allows")
        share = {name: remaining * count // sum(free.values()) for name, count in free.items()}
        largest = max(sorted(free), key=free.get)
        share[largest] += remaining - sum(share.values())
        full = {name for name in free if capacity[name] is not None and share[name] > capacity[name]}
        if not full:
            return {name: rows.get(name, share.get(name)) for name in schemas}
        for name in full:
            rows[name] = capacity[name]
            remaining -= capacity[name]
            del free[name]


def _capacity(schema: TableSchema) -> int | None:
    """The most rows a table can hold with distinct values in its unique fields (None: no bound)."""
    unique = [f for f in schema.fields if f.get("constraints", {}).get("unique")
              or schema.primary_key == [f["name"]]]
    bounds = [_field_capacity(f) for f in unique if not any(fk["fields"] == [f["name"]] for fk in schema.foreign_keys)]
    bounds = [b for b in bounds if b is not None]
    return min(bounds) if bounds else None


def _field_capacity(field: dict) -> int | None:
    """How many distinct values a field's generator yields (None: as many as asked)."""
    constraints = field.get("constraints", {})
    if "enum" in constraints:
        return len(constraints["enum"])
    if field["type"] == "boolean":
        return 2
    if field["type"] == "integer" and "maximum" in constraints:
        return constraints["maximum"] - constraints.get("minimum", 0) + 1
    if field["type"] == "string" and _pattern(field) == COG:
        return COG_CODES
    return None


def generate(total: int, root: Path = ROOT) -> dict[str, pa.Table]:
    """The synthetic tables, by name, typed by their Table Schemas, in memory: for small packages."""
    return {name: pa.concat_tables(batches) for name, batches in stream(total, root).items()}


def stream(total: int, root: Path = ROOT) -> dict[str, Iterator[pa.Table]]:
    """The synthetic tables, by name, each as an iterator of batches of at most ``BATCH`` rows."""
    schemas = load_schemas(root / "schemas")
    rows = table_rows(total, root)
    load_order(schemas)  # refuses foreign keys that form a cycle
    for schema in schemas.values():
        if any(len(fk["fields"]) != 1 for fk in schema.foreign_keys):
            raise ValueError(f"{schema.name}: foreign keys of more than one field are not supported")
        _key_index(schema, rows, np.zeros(0, dtype=np.int64))  # refuses a key space too small, before writing
    return {name: _batches(schemas, rows, name) for name in schemas}


def _batches(schemas: dict[str, TableSchema], rows: dict[str, int], name: str) -> Iterator[pa.Table]:
    for start in range(0, max(rows[name], 1), BATCH):
        yield _table(schemas, rows, name, np.arange(start, min(start + BATCH, rows[name]), dtype=np.int64))


def _table(schemas: dict[str, TableSchema], rows: dict[str, int], name: str, k: np.ndarray) -> pa.Table:
    """Rows ``k`` of table ``name``."""
    schema = schemas[name]
    arrow_schema = schema.arrow_schema()
    columns = [_column(schemas, rows, name, field["name"], k) for field in schema.fields]
    return pa.Table.from_arrays(columns, schema=arrow_schema)


def _column(schemas: dict[str, TableSchema], rows: dict[str, int], name: str, column: str, k: np.ndarray) -> pa.Array:
    """The values of ``name.column`` at rows ``k``: a foreign key takes the referenced column's values."""
    schema = schemas[name]
    field = schema.field(column)
    index = _key_index(schema, rows, k).get(column, k)
    reference = next((fk["reference"] for fk in schema.foreign_keys if fk["fields"] == [column]), None)
    if reference is not None:
        parent = reference["resource"] or name
        values = _column(schemas, rows, parent, reference["fields"][0], index % rows[parent])
    else:
        values = _values(field, index, rows[name])
    arrow_field = schema.arrow_schema().field(column)
    if arrow_field.nullable and field["type"] != "integer":
        values = pc.if_else(pa.array(index % EMPTY_EVERY == EMPTY_EVERY - 1), pa.nulls(len(k), values.type), values)
    return values.cast(arrow_field.type)


def _key_index(schema: TableSchema, rows: dict[str, int], k: np.ndarray) -> dict[str, np.ndarray]:
    """Indices that make a two-field primary key unique: row k takes (k mod a, (k mod a + k div a) mod b)."""
    key = schema.primary_key
    if len(key) == 1:
        return {}
    if len(key) > 2:
        raise ValueError(f"{schema.name}: primary keys of more than two fields are not supported")
    sizes = []
    for name in key:
        reference = next((fk["reference"] for fk in schema.foreign_keys if fk["fields"] == [name]), None)
        sizes.append(rows[reference["resource"]] if reference else rows[schema.name])
    if rows[schema.name] > sizes[0] * sizes[1]:
        raise ValueError(f"{schema.name}: {rows[schema.name]} rows exceed the {sizes[0] * sizes[1]} possible keys")
    first = k % sizes[0]
    return {key[0]: first, key[1]: (first + k // sizes[0]) % sizes[1]}


def _pattern(field: dict) -> str | None:
    """A field's pattern, ``\\d`` written ``[0-9]`` (the two are the same set in RE2)."""
    pattern = field.get("constraints", {}).get("pattern")
    return None if pattern is None else pattern.replace("\\d", "[0-9]")


def _values(field: dict, index: np.ndarray, rows: int) -> pa.Array:
    """Values of one field for the given row indices of a table of ``rows`` rows.

    Distinct indices below the field's capacity give distinct values.
    """
    constraints = field.get("constraints", {})
    kind = field["type"]
    if "enum" in constraints:
        return pa.array(constraints["enum"]).take(pa.array(index % len(constraints["enum"])))
    if kind == "string":
        pattern = _pattern(field)
        if pattern is None:
            return _join(field["example"] + " ", index + 1)
        values = PATTERN_VALUES.get(pattern, _suffixed)(field, index, rows)
        if not pc.all(pc.match_substring_regex(values, pattern), min_count=0).as_py():
            raise ValueError(f"{field['name']}: no synthetic values for the pattern {pattern}; add a generator")
        return values
    if kind == "integer":
        low, high = constraints.get("minimum", 0), constraints.get("maximum")
        span = rows if constraints.get("unique") else (high - low + 1 if high is not None else 100)
        if high is not None and low + span - 1 > high:
            raise ValueError(f"{field['name']}: {rows} unique values do not fit in [{low}, {high}]")
        return pa.array(low + index % max(span, 1))
    if kind == "boolean":
        return pa.array(index % 3 == 0)
    if kind == "date":
        start = np.datetime64(field["example"], "D")
        return pa.array(start + (index % 3650).astype("timedelta64[D]"))
    raise ValueError(f"{field['name']}: no synthetic values for the type {kind}; add a generator")


def _join(prefix: str, numbers: np.ndarray, width: int = 0) -> pa.Array:
    text = pc.cast(pa.array(numbers), pa.string())
    if width:
        text = pc.utf8_lpad(text, width=width, padding="0")
    return pc.binary_join_element_wise(prefix, text, "")


def _suffixed(field: dict, index: np.ndarray, rows: int) -> pa.Array:
    """The example followed by ``-<index>`` (slugs, paths, URLs...), or by the index alone, as the pattern allows."""
    pattern = _pattern(field)
    for values in (_join(field["example"] + "-", index + 1), _join(field["example"], index + 1)):
        if pc.all(pc.match_substring_regex(values, pattern), min_count=0).as_py():
            return values
    return values


def _letters(field: dict, index: np.ndarray, rows: int) -> pa.Array:
    """The example followed by the index written in base 26, with five letters or as many as ``rows`` needs."""
    width = 5
    while 26**width < rows:
        width += 1
    digits = (index[:, None] // 26 ** np.arange(width - 1, -1, -1)) % 26
    suffix = (digits + ord("a")).astype(np.uint8).view(f"S{width}").ravel()
    return pc.binary_join_element_wise(field["example"], pa.array(suffix, pa.binary()).cast(pa.string()), "")


def _cog(field: dict, index: np.ndarray, rows: int) -> pa.Array:
    """COG-shaped codes: index i takes the i-th code (modulo the 101,000 the pattern allows)."""
    index = index % COG_CODES
    prefixes = pa.array(COG_PREFIXES).take(pa.array(index // 1000))
    return pc.binary_join_element_wise(prefixes, _join("", index % 1000, width=3), "")


def _siren(field: dict, index: np.ndarray, rows: int) -> pa.Array:
    """Nine digits whose last is the Luhn check digit of the first eight."""
    payload = 10_000_000 + (index * 7_919) % 89_999_999
    digits = (payload[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    doubled = digits[:, 1::2] * 2
    total = digits[:, ::2].sum(axis=1) + (doubled - 9 * (doubled > 9)).sum(axis=1)
    return _join("", payload * 10 + (10 - total % 10) % 10, width=9)


def _hex64(field: dict, index: np.ndarray, rows: int) -> pa.Array:
    """Sixty-four hexadecimal digits: the index, zero-padded (decimal digits are hexadecimal ones)."""
    return _join("", index, width=64)


#: Pattern (``\\d`` written ``[0-9]``) -> generator of values matching it; other patterns take ``_suffixed``.
#: Every batch of values is checked against its pattern (RE2) before it is written.
PATTERN_VALUES = {LETTERS: _letters, COG: _cog, NINE_DIGITS: _siren, SHA256: _hex64}


def write_package(tables: dict[str, pa.Table | Iterable[pa.Table]], out: Path, root: Path = ROOT) -> Path:
    """Write the tables (whole, or as batches) in the table formats, with their published schemas and descriptor.

    The package formats (one file for the whole build, such as SQLite) are left out: they are not
    what a table's validation reads. Returns the descriptor's path.
    """
    from contratville_data import datapackage
    from contratville_data.metadata import load_project

    project = load_project(root)
    (out / datapackage.SCHEMA_DIR).mkdir(parents=True, exist_ok=True)
    for name, schema in project.schemas.items():
        batches = [tables[name]] if isinstance(tables[name], pa.Table) else tables[name]
        write_files(batches, out / f"build/{name}.csv", out / f"build/{name}.parquet", schema)
        published = datapackage.published_schema(schema, project)
        (out / datapackage.schema_path(name)).write_text(json.dumps(published, ensure_ascii=False, indent=2) + "\n",
                                                         encoding="utf-8")
    descriptor = datapackage.describe_package(project, out, sources=[], formats=TABLE_FORMATS)
    descriptor["name"] = f"synthetic-{descriptor['name']}"
    descriptor["title"] = f"Synthetic data, not the contract: {descriptor['title']}"
    descriptor["description"] = "Synthetic rows generated by scripts/synthetic.py from the package's Table " \
                                "Schemas, for benchmarks and scale tests. Never published as data."
    path = out / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def write_files(batches: Iterable[pa.Table], csv_path: Path, parquet_path: Path, schema: TableSchema) -> None:
    """Batches of one table, appended to its CSV and Parquet files as ``write_csv`` and ``write_parquet`` write."""
    import pyarrow.parquet as pq

    arrow_schema = schema.arrow_schema()
    with csv_path.open("wb") as csv_file, \
            pq.ParquetWriter(parquet_path, arrow_schema, compression="zstd", store_schema=True) as parquet:
        csv_file.write((",".join(_quoted_name(n) for n in arrow_schema.names) + "\n").encode("utf-8"))
        for batch in batches:
            batch = batch.cast(arrow_schema)
            parquet.write_table(batch)
            for start in range(0, batch.num_rows, CSV_SLICE):
                csv_file.write(csv_text(batch.slice(start, CSV_SLICE)))


def csv_text(table: pa.Table) -> pa.Buffer:
    """The table's rows as CSV (no header): comma, LF, empty for null, quoted only where needed, as pandas writes."""
    if table.num_rows == 0:
        return pa.py_buffer(b"")
    lines = _lines([_cells(column.combine_chunks()) for column in table.columns])
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return lines.buffers()[2][offsets[0]:offsets[-1]]


def _lines(cells: list[pa.Array]) -> pa.Array:
    """Cells joined by commas, each row ending with a line feed, as one large string array."""
    comma, newline, nothing = (pa.scalar(text, pa.large_string()) for text in (",", "\n", ""))
    rows = pc.binary_join_element_wise(*cells, comma, null_handling="replace")
    return pc.binary_join_element_wise(rows, nothing, newline)


def _cells(column: pa.Array) -> pa.Array:
    """A column as CSV cells (large strings; null stays null and is written empty)."""
    if pa.types.is_boolean(column.type):
        text = pc.if_else(column, "true", "false")
    else:
        text = pc.cast(column, pa.string())
    if pa.types.is_string(column.type):
        needed = pc.match_substring_regex(text, NEEDS_QUOTES)
        if pc.any(needed).as_py():
            quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
            text = pc.if_else(needed, quoted, text)
    return text.cast(pa.large_string())


def _quoted_name(name: str) -> str:
    return f'"{name.replace(chr(34), chr(34) * 2)}"' if any(c in name for c in ',"\r\n') else name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="total rows over all tables")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (created if missing)")
    args = parser.parse_args(argv)
    try:
        path = write_package(stream(args.rows), args.out)
    except ValueError as err:
        parser.error(str(err))
    print(f"wrote {path} ({args.rows} rows)")


if __name__ == "__main__":
    main()
