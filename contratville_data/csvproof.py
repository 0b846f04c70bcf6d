"""Prove CSV resources valid with vectorised Arrow checks, so that frictionless reads only the others.

frictionless checks a CSV row by row in Python (about 60–80k rows a second). For resources within
the subset below, the checks here answer the same question with Arrow kernels, and are at least as
strict: a resource they accept is one frictionless finds valid. They never report a problem: a
resource they cannot prove valid goes to frictionless, whose report is the one given. So the
problems reported are exactly frictionless's, and only valid resources take the fast path.

The subset: a CSV resource declared UTF-8, without a declared dialect, with no byte order mark and
no NUL character, whose first 100 lines frictionless would sniff as comma-separated without skipping
initial spaces; a header equal to the field names; fields of type string, integer, boolean or date
in the default format; the constraints required, unique, pattern (in the syntax Arrow's RE2 and
Python's ``re`` read alike), enum (strings), minimum and maximum (integers); a primary key;
single-field foreign keys to CSV resources proven valid. Cells are typed more strictly than
frictionless types them: integers are digits with an optional minus, booleans ``true``/``false``,
dates ``YYYY-MM-DD``; anything else sends the resource to frictionless.

A file is read as a stream of batches of about ``BLOCK_BYTES``: each batch's row-local checks run
in a pool of threads while the parser reads on (Arrow's kernels release the GIL), and only what the
table-wide checks need is kept: 8 bytes a row for each unique field and the primary key (a hash of
the value), the values other resources reference, and foreign key values until they are looked up,
about a million at a time, in a hash table of their parent's values (Arrow's ``index_in``, exact).
So memory holds a few batches and the keys, whatever the size of the file. Two tables are proven
at once, each as soon as the tables it references are proven.

A foreign key field whose pattern is the very pattern of the parent field it references is not
matched again: every value found among the parent's values, which were all matched, matches it.
"""

from __future__ import annotations

import array
import csv
import io
import itertools
import os
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as arrow_csv

from .schemas import TYPE_MAP

#: Lines frictionless sniffs the CSV dialect from, and the delimiters it tries.
SAMPLE_LINES = 100
SNIFFED_DELIMITERS = ",\t;|"
#: Resource and schema properties that do not change how frictionless reads or checks the data.
RESOURCE_KEYS = {"name", "type", "path", "scheme", "format", "mediatype", "encoding", "title", "description",
                 "bytes", "hash", "schema", "sources", "licenses"}
SCHEMA_KEYS = {"$schema", "name", "title", "description", "fields", "missingValues", "primaryKey", "foreignKeys",
               "version", "homepage", "contributors", "created", "lastModified", "keywords", "countryCode",
               "licenses", "resources"}
#: ``identifier`` is this project's annotation (a SIREN check digit), which frictionless ignores.
FIELD_KEYS = {"name", "type", "format", "title", "description", "example", "constraints", "identifier"}
#: The constraints proven, by field type.
CONSTRAINTS = {
    "string": {"required", "unique", "pattern", "enum"},
    "integer": {"required", "unique", "minimum", "maximum"},
    "boolean": {"required", "unique"},
    "date": {"required", "unique"},
}
#: The cells accepted for a type: a subset of what frictionless reads as that type, with the same value.
STRICT_FORMS = {
    "integer": r"^-?[0-9]+$",
    "boolean": r"^(true|false)$",
    # year 0000 parses in Arrow but not in Python's datetime, which frictionless uses
    "date": r"^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-[0-9]{2}-[0-9]{2}$",
}
#: Pattern syntax that RE2 and Python's ``re`` read differently: POSIX classes and nested sets,
#: ``{,n}`` (a literal for RE2), and everything introduced by ``(?`` (flags, lookarounds, groups).
UNSAFE_SYNTAX = ("[:", "[[", "{,", "(?")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


#: Bytes of CSV parsed into one batch, and batches in flight between the parser, the checks and the
#: watchers: memory holds a few times WINDOW batches, whatever the size of the file.
BLOCK_BYTES = 4 << 20
WINDOW = 3
#: Threads checking batches while the parser reads, and tables proven at once (a table whose parents
#: are proven starts while another one ends: the end of a table, its keys and lookups, uses less than
#: the two cores).
WORKERS = 2
TABLES = 2

#: A resource's bytes, or the path of its file (read as a stream).
Source: TypeAlias = pa.Buffer | str | os.PathLike
#: Called with each typed batch of a resource being proven, in order, and the row index of its first row.
Watcher: TypeAlias = Callable[[pa.RecordBatch, int], None]


def prove_valid(resources: list[dict], schemas: dict[str, dict | None], read: Callable[[str], Source],
                watch: Callable[[str], list[Watcher]] | None = None) -> Iterator[tuple[str, int]]:
    """Yield each CSV resource proven valid, parents first, as (name, rows).

    ``schemas`` maps a resource name to its Table Schema descriptor and ``read`` gives a resource's
    bytes or file path. ``watch(name)``, if given, returns functions that each see each batch of the
    resource typed by its schema (as ``_typed`` types it); what it sees of a resource that is not
    yielded must be ignored. Only the keys that foreign keys reference are kept between resources.
    """
    by_name = {r["name"]: r for r in resources}
    provable: dict[str, dict] = {}
    for name, resource in by_name.items():
        schema = schemas.get(name)
        if schema is not None and _provable(resource, schema):
            provable[name] = schema
    referenced: dict[str, set[str]] = {}
    for name in provable:
        for fk in provable[name].get("foreignKeys", []):
            referenced.setdefault(fk["reference"]["resource"] or name, set()).add(_key(fk["reference"]["fields"])[0])
    order: list[str] = []  # parents first

    def visit(name: str, trail: frozenset) -> None:
        if name in order or name in trail or name not in provable:
            return
        for parent in sorted(_parents(provable[name], name)):
            visit(parent, trail | {name})
        order.append(name)

    for name in by_name:
        visit(name, frozenset())
    kept: dict[str, dict[str, pa.Array]] = {}
    settled: set[str] = set()  # proven or not
    running: dict[str, Future] = {}
    stop = threading.Event()
    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="csvproof")
    tables = ThreadPoolExecutor(TABLES, thread_name_prefix="csvproof-table")
    try:
        while order or running:
            for name in [n for n in order if _parents(provable[n], n) <= settled]:
                if len(running) == TABLES:
                    break
                order.remove(name)
                if not _parents(provable[name], name) <= kept.keys():
                    settled.add(name)  # a parent is not proven valid: frictionless decides
                    continue
                running[name] = tables.submit(_proof, provable[name], read(name), dict(kept), name,
                                              referenced.get(name, set()), pool, watch(name) if watch else [],
                                              provable, stop)
            if not running:  # the rest reference one another in a cycle, or a resource not proven
                break
            wait(running.values(), return_when=FIRST_COMPLETED)
            for name, future in [(n, f) for n, f in running.items() if f.done()]:
                del running[name]
                settled.add(name)
                try:
                    proof = future.result()
                except pa.ArrowException:
                    # cells Arrow cannot parse, an integer beyond 64 bits, an impossible date, a pattern RE2
                    # cannot compile, a line longer than a batch: frictionless decides
                    proof = None
                if proof is not None:
                    kept[name], rows = proof
                    yield name, rows
    finally:
        stop.set()
        tables.shutdown(wait=False, cancel_futures=True)
        pool.shutdown(wait=False, cancel_futures=True)


def _parents(schema: dict, name: str) -> set[str]:
    """The other resources a schema's foreign keys reference."""
    return {fk["reference"]["resource"] for fk in schema.get("foreignKeys", [])} - {name, ""}


def arrow_types(schema: dict) -> dict | None:
    """Field name -> the Arrow type its Table Schema type implies; None if a type is unknown."""
    try:
        return {field["name"]: getattr(pa, TYPE_MAP[field["type"]][1])() for field in schema["fields"]}
    except (KeyError, TypeError):
        return None


def _provable(resource: dict, schema) -> bool:
    """Whether the resource and its schema lie within the subset the checks here decide."""
    if not isinstance(schema, dict) or set(resource) - RESOURCE_KEYS or set(schema) - SCHEMA_KEYS:
        return False
    # Without a declared encoding frictionless guesses one, and may not guess UTF-8.
    if (resource.get("format"), resource.get("type", "table"), resource.get("scheme", "file")) != \
            ("csv", "table", "file") or str(resource.get("encoding")).lower() not in ("utf-8", "utf8"):
        return False
    # frictionless guesses compression from the extension (.zip, .gz...): only plain .csv paths here
    if not isinstance(resource.get("path"), str) or not resource["path"].lower().endswith(".csv"):
        return False
    missing = schema.get("missingValues", [""])
    fields = schema.get("fields")
    if not isinstance(missing, list) or "" not in missing or not all(isinstance(v, str) for v in missing):
        return False
    if not isinstance(fields, list) or not fields or not all(_provable_field(f) for f in fields):
        return False
    names = [f["name"] for f in fields]
    if len(set(names)) != len(names) or not set(_key(schema.get("primaryKey", []))) <= set(names):
        return False
    for fk in schema.get("foreignKeys", []):
        if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
            return False
        fields, reference = _key(fk.get("fields")), fk["reference"]
        if len(fields) != 1 or fields[0] not in names or len(_key(reference.get("fields"))) != 1 \
                or not isinstance(reference.get("resource"), str):
            return False
    return True


def _provable_field(field) -> bool:
    if not isinstance(field, dict) or set(field) - FIELD_KEYS or not isinstance(field.get("name"), str):
        return False
    constraints = field.get("constraints", {})
    if field.get("type") not in CONSTRAINTS or field.get("format", "default") != "default" \
            or not isinstance(constraints, dict) or set(constraints) - CONSTRAINTS[field["type"]]:
        return False
    if not all(isinstance(constraints.get(c, False), bool) for c in ("required", "unique")):
        return False
    if "pattern" in constraints and not _same_in_re2(constraints["pattern"]):
        return False
    if "enum" in constraints and not (isinstance(constraints["enum"], list)
                                      and all(isinstance(v, str) for v in constraints["enum"])):
        return False
    return all(type(constraints[bound]) is int for bound in ("minimum", "maximum") if bound in constraints)


def _same_in_re2(pattern) -> bool:
    """Whether RE2 accepts no string that Python's ``re`` rejects for this pattern."""
    if not isinstance(pattern, str) or any(syntax in pattern for syntax in UNSAFE_SYNTAX):
        return False
    # \d is narrower in RE2 (ASCII digits), so wider inside [^...]; other letter escapes (\w, \s, \b,
    # \D...) differ or may be wider.
    escapes = _ESCAPE.findall(pattern)
    if any(c != "d" and (c.isalnum() or c == "_" or not c.isascii()) for c in escapes) \
            or "d" in escapes and "[^" in pattern:
        return False
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _anchored(pattern: str) -> str:
    """frictionless matches ``^pattern$`` from the start of the cell (``re.match``)."""
    return f"^(?:^{pattern}$)"


def _key(value) -> list:
    """A Table Schema key (a field name or a list of them) as a list."""
    return [value] if isinstance(value, str) else value if isinstance(value, list) else [None]


def _proof(schema: dict, source: Source, kept: dict[str, dict[str, pa.Array]], name: str, referenced: set[str],
           pool: ThreadPoolExecutor, watchers: list[Watcher], proven_schemas: dict[str, dict],
           stop: threading.Event) -> tuple[dict[str, pa.Array], int] | None:
    """(the referenced keys, the row count) if every check passes, else None (and None once ``stop`` is set).

    The parser reads ahead while ``pool`` checks up to WINDOW batches and one more thread shows the
    checked batches to each of ``watchers``, in order; the table-wide checks then run side by side.
    """
    names = [f["name"] for f in schema["fields"]]
    plan = _plan(schema, name, kept, referenced & set(names), proven_schemas)
    if plan is None:
        return None
    # a foreign key field whose pattern is its parent field's: every value found among the parent's matches it
    fields = [{**f, "constraints": {k: v for k, v in f["constraints"].items() if k != "pattern"}}
              if f["name"] in plan.implied_patterns else f for f in schema["fields"]]
    reader = _reader(source, names, schema.get("missingValues", [""]))
    if reader is None:
        return None
    hashes: dict[str, list[np.ndarray]] = {n: [] for n in plan.unique}
    values: dict[str, list[pa.Array]] = {n: [] for n in plan.kept}
    looked_up: list[list[pa.Array]] = [[] for _ in plan.lookups]
    lookups: list[Future] = []
    rows = 0
    pending: deque[Future] = deque()
    watching: deque[Future] = deque()
    watch_pools = [ThreadPoolExecutor(1, thread_name_prefix="csvproof-watch") for _ in watchers]

    def collect() -> bool:
        nonlocal rows
        checked = pending.popleft().result()
        if checked is None:
            return False
        batch, batch_hashes, batch_values = checked
        for watcher, watch_pool in zip(watchers, watch_pools):
            watching.append(watch_pool.submit(watcher, batch, rows))
        while len(watching) > WINDOW * len(watchers):
            watching.popleft().result()
        rows += batch.num_rows
        for n in plan.unique:
            hashes[n].append(batch_hashes[n])
        for n in plan.kept:
            values[n].append(batch_values[n])
        for group, (keys, children) in zip(looked_up, plan.lookups):
            group += [batch_values[child] for child in children]
            if sum(map(len, group)) >= max(LOOKUP_VALUES, 2 * len(keys)):
                lookups.append(pool.submit(_all_among, group[:], keys))
                group.clear()
        return not any(lookup.done() and not lookup.result() for lookup in lookups)

    try:
        for batch in reader:
            if stop.is_set():
                return None
            pending.append(pool.submit(_checked_batch, batch, fields, plan))
            if len(pending) > WINDOW and not collect():
                return None
        while pending:
            if not collect():
                return None
        while watching:
            watching.popleft().result()
    finally:
        for future in (*pending, *watching):
            future.cancel()
        for watch_pool in watch_pools:
            watch_pool.shutdown(wait=False, cancel_futures=True)
        reader.close()
    types = _types(fields)
    keys = {n: pa.chunked_array(values[n], types[n]).combine_chunks()
            for n in plan.referenced | plan.self_references.keys()}
    checks: list[Future] = [*lookups, *(pool.submit(_no_repeats, hashes[n]) for n in plan.unique)]
    checks += [pool.submit(_all_among, group, parent_keys) for group, (parent_keys, _) in zip(looked_up, plan.lookups)]
    checks += [pool.submit(_all_among, [v for child in children for v in values[child]], keys[parent])
               for parent, children in plan.self_references.items()]
    try:
        if not all(check.result() for check in checks):
            return None
        return {n: keys[n] for n in plan.referenced}, rows
    finally:
        for check in checks:
            check.cancel()


@dataclass(frozen=True)
class _Plan:
    """What the checks of a resource hash, keep and look up, batch by batch.

    ``unique``: the fields (and ``PRIMARY_KEY``, for a key of several fields) whose hashes must not
    repeat; ``referenced``: the fields other resources reference, whose values are kept;
    ``lookups``: the keys (present values) of each field of a proven resource referenced, and the
    foreign key fields referencing it, whose values are looked up among them together;
    ``self_references``: each referenced field of the resource itself and the fields referencing it;
    ``implied_patterns``: the foreign key fields whose pattern is the one their parent fields were
    proven to match (their values are checked among the parent's instead).
    """

    unique: list[str]
    primary_key: list[str]
    referenced: set[str]
    lookups: list[tuple[pa.Array, list[str]]]
    self_references: dict[str, list[str]]
    implied_patterns: set[str]

    @property
    def kept(self) -> list[str]:
        """The fields whose present values are kept until the whole table is read."""
        return sorted(self.referenced | self.self_references.keys()
                      | {child for children in self.self_references.values() for child in children})


#: The name under which a primary key of several fields is hashed.
PRIMARY_KEY = "\x00primary key"


def _plan(schema: dict, name: str, kept: dict[str, dict[str, pa.Array]], referenced: set[str],
          proven_schemas: dict[str, dict]) -> _Plan | None:
    """The resource's plan; None if a foreign key references a field no proven resource keeps, or of another type."""
    fields = schema["fields"]
    types = _types(fields)
    primary_key = _key(schema.get("primaryKey", []))
    unique = [f["name"] for f in fields if f.get("constraints", {}).get("unique")]
    if len(primary_key) == 1 and primary_key[0] not in unique:
        unique.append(primary_key[0])  # a one-field key is unique: one check, not two
    elif len(primary_key) > 1:
        unique.append(PRIMARY_KEY)
    lookups: dict[int, tuple[pa.Array, list[str]]] = {}
    self_references: dict[str, list[str]] = {}
    patterns: dict[str, set] = {}
    for fk in schema.get("foreignKeys", []):
        child, parent, parent_field = _key(fk["fields"])[0], fk["reference"]["resource"], \
            _key(fk["reference"]["fields"])[0]
        if parent in (name, ""):
            if parent_field not in types or types[parent_field] != types[child]:
                return None
            self_references.setdefault(parent_field, []).append(child)
            continue
        keys = kept.get(parent, {}).get(parent_field)
        if keys is None or keys.type != types[child]:
            return None
        lookups.setdefault(id(keys), (keys, []))[1].append(child)
        patterns.setdefault(child, set()).add(_pattern(proven_schemas[parent], parent_field))
    implied = {child for child, found in patterns.items() if None not in found and found == {_pattern(schema, child)}}
    return _Plan(unique, primary_key, referenced, list(lookups.values()), self_references, implied)


def _pattern(schema: dict, name: str) -> str | None:
    """The pattern constraint of a schema's field, if any."""
    return next((f.get("constraints", {}).get("pattern") for f in schema["fields"] if f["name"] == name), None)


#: Foreign key values gathered before they are looked up at once among the parent's: each lookup
#: builds a hash table of the parent's values, so fewer, larger lookups cost less.
LOOKUP_VALUES = 1 << 20


def _all_among(values: list[pa.Array], keys: pa.Array) -> bool:
    """Whether every value is among the keys: an exact lookup in a hash table of the keys, by Arrow."""
    if not values:
        return True
    return pc.index_in(pa.chunked_array(values), value_set=keys).null_count == 0


def _reader(source: Source, names: list[str], missing: list[str]):
    """A stream of batches of every cell as a string (missing values as nulls), if frictionless reads the same cells."""
    if isinstance(source, pa.Buffer):
        if source.size == 0:
            return None
        stream = pa.BufferReader(source)
    else:
        stream = pa.OSFile(str(source))
        if stream.size() == 0:
            stream.close()
            return None
    try:
        if stream.read(3) == b"\xef\xbb\xbf" or not _sniffed_as_plain_csv(_sample(stream)) \
                or any("\x00" in n for n in names):
            stream.close()
            return None  # a byte order mark, a dialect other than frictionless's, a name Python's csv refuses
        stream.seek(0)
        read = arrow_csv.ReadOptions(block_size=BLOCK_BYTES, use_threads=True)
        parse = arrow_csv.ParseOptions(delimiter=",", quote_char='"', double_quote=True, escape_char=False,
                                       newlines_in_values=True, ignore_empty_lines=False)
        convert = arrow_csv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=missing,
                                           strings_can_be_null=True, quoted_strings_can_be_null=True)
        reader = arrow_csv.open_csv(stream, read_options=read, parse_options=parse, convert_options=convert)
    except BaseException:
        stream.close()
        raise
    if reader.schema.names != names:
        reader.close()
        return None
    return reader


def _sniffed_as_plain_csv(sample: list[str] | None) -> bool:
    """Whether frictionless, sniffing the first lines, reads the file with a comma and no initial-space skip."""
    if sample is None:
        return False
    try:
        sniffed = csv.Sniffer().sniff("".join(sample), SNIFFED_DELIMITERS)
    except csv.Error:
        return True  # frictionless falls back to the excel dialect: comma, no initial-space skip
    return sniffed.delimiter == "," and not sniffed.skipinitialspace


def _sample(stream) -> list[str] | None:
    """The first lines as frictionless's text stream gives them; None if they are not UTF-8."""
    size = 1 << 16
    while True:
        stream.seek(0)
        head = stream.read(size)
        whole = len(head) < size or stream.tell() >= stream.size()
        if not whole:
            head = head[: max(head.rfind(b"\n"), head.rfind(b"\r")) + 1]
        try:
            lines = io.StringIO(head.decode("utf-8"), newline="").readlines()
        except UnicodeDecodeError:
            return None
        if whole or len(lines) > SAMPLE_LINES:
            return lines[:SAMPLE_LINES]
        size *= 4


def _checked_batch(batch: pa.RecordBatch, fields: list[dict],
                   plan: _Plan) -> tuple[pa.RecordBatch, dict[str, np.ndarray], dict[str, pa.Array]] | None:
    """The batch typed by its schema, the hashes and values its plan keeps, if its row checks pass.

    Row checks: no NUL character (Python's csv module refuses them), no blank row, every cell of the
    strict form of its type, the constraints other than ``unique``, no missing value in the primary
    key, and every foreign key value among the proven keys it references.
    """
    columns = []
    blank = None
    for field, column in zip(fields, batch.columns):
        if _has_nul(column):
            return None
        missing = pc.is_null(column)
        blank = missing if blank is None else pc.and_(blank, missing)
        typed = _typed(column, field["type"])
        if typed is None or not _field_holds(typed, field):
            return None
        columns.append(typed)
    if blank is not None and pc.any(blank).as_py():
        return None  # frictionless reports a row whose cells are all missing as a blank row
    typed_batch = pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
    if any(typed_batch.column(n).null_count for n in plan.primary_key):
        return None
    hashes = {n: _row_hashes(typed_batch.column(n)) for n in plan.unique if n != PRIMARY_KEY}
    if PRIMARY_KEY in plan.unique:
        combined = np.zeros(typed_batch.num_rows, np.uint64)
        for n in plan.primary_key:
            with np.errstate(over="ignore"):
                combined = _mix(combined * _BASE + (hashes[n] if n in hashes else _row_hashes(typed_batch.column(n))))
        hashes[PRIMARY_KEY] = combined
    kept = {n: typed_batch.column(n).drop_null() for n in {*plan.kept, *(c for _, cs in plan.lookups for c in cs)}}
    return typed_batch, hashes, kept


def _has_nul(column: pa.Array) -> bool:
    """Whether a string column holds a NUL character: the smallest byte of its values is 0 (one pass, no copy)."""
    if not len(column) or column.null_count == len(column):
        return False
    offsets = column.buffers()[1]
    start, end = (int.from_bytes(offsets[4 * i:4 * i + 4], "little", signed=True)
                  for i in (column.offset, column.offset + len(column)))
    if end == start:
        return False
    data = pa.Array.from_buffers(pa.uint8(), end - start, [None, column.buffers()[2]], offset=start)
    return pc.min(data).as_py() == 0


def _types(fields: list[dict]) -> dict[str, pa.DataType]:
    return {f["name"]: getattr(pa, TYPE_MAP[f["type"]][1])() for f in fields}


def _typed(column: pa.Array, kind: str) -> pa.Array | None:
    """A string column cast to its schema type, if every cell has the strict form of the type."""
    if kind in STRICT_FORMS and not _all(pc.match_substring_regex(column, STRICT_FORMS[kind])):
        return None
    if kind == "boolean":
        return pc.match_substring(column, pattern="true")  # the cells are "true" or "false"
    if kind != "string":
        return pc.cast(column, getattr(pa, TYPE_MAP[kind][1])())
    return column


def _field_holds(column: pa.Array, field: dict) -> bool:
    """The row-local constraints: all but ``unique``, which the whole column answers."""
    constraints = field.get("constraints", {})
    if constraints.get("required") and column.null_count:
        return False
    if "pattern" in constraints and not _all(pc.match_substring_regex(column, _anchored(constraints["pattern"]))):
        return False
    if "enum" in constraints and not _all(pc.is_in(column.drop_null(), value_set=string_array(constraints["enum"]))):
        return False
    if not {"minimum", "maximum"} & constraints.keys():
        return True
    low, high = pc.min_max(column).values()
    if "minimum" in constraints and low.is_valid and low.as_py() < constraints["minimum"]:
        return False
    return not ("maximum" in constraints and high.is_valid and high.as_py() > constraints["maximum"])


def _no_repeats(hashes: list[np.ndarray]) -> bool:
    """Whether no hash repeats: the values hashed are then distinct."""
    joined = np.sort(np.concatenate(hashes)) if hashes else np.zeros(0, np.uint64)
    return not bool((joined[1:] == joined[:-1]).any())


#: Row hashes for the ``unique`` checks and the foreign key lookups. Two equal values always hash
#: alike, so a column whose hashes are distinct has distinct values; hashes that repeat (equal
#: values, or a rare collision) leave the resource to frictionless, which decides exactly.
_BASE = np.uint64(0x9E3779B97F4A7C15)
_BASE_INVERSE = np.uint64(pow(0x9E3779B97F4A7C15, -1, 1 << 64))
_LENGTH = np.uint64(0xD6E8FEB86659FD93)
_LONG = np.uint64(0x2545F4914F6CDD1D)
#: Values up to this many bytes are hashed as rows of a zero-padded matrix of 64-bit words.
_WORDS_UP_TO = 256


def _row_hashes(column: pa.Array) -> np.ndarray:
    """A 64-bit hash of each present value of a column (an integer, boolean or date is its own hash)."""
    column = column.drop_null()
    if not pa.types.is_string(column.type):
        if pa.types.is_date32(column.type):
            column = column.view(pa.int32())
        column = pc.cast(column, pa.int64())  # read from its buffer: to_numpy would import pandas
        return np.frombuffer(column.buffers()[1], np.uint64, len(column), column.offset * 8).copy()
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset:column.offset + len(column) + 1]
    offsets = offsets.astype(np.int64)
    data = np.frombuffer(column.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]] \
        if column.buffers()[2] is not None else np.zeros(0, np.uint8)
    lengths, starts = np.diff(offsets), offsets[:-1] - offsets[0]
    short = lengths <= _WORDS_UP_TO
    if short.all():
        return _word_hashes(data, starts, lengths)
    with np.errstate(over="ignore"):  # a polynomial in the base, mod 2**64, normalised to the value's start
        powers = np.cumprod(np.full(len(data), _BASE, dtype=np.uint64))
        sums = np.concatenate(([np.uint64(0)], np.cumsum(data.astype(np.uint64) * powers, dtype=np.uint64)))
        inverse = np.cumprod(np.full(len(data) + 1, _BASE_INVERSE, dtype=np.uint64))
        hashes = (sums[starts + lengths] - sums[starts]) * np.concatenate(([np.uint64(1)], inverse[:-1]))[starts]
        hashes = _mix(hashes * _BASE_INVERSE ^ (lengths.astype(np.uint64) * _LENGTH) ^ _LONG)
    hashes[short] = _word_hashes(data, starts[short], lengths[short])
    return hashes


def _word_hashes(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Short values' hashes: each value's bytes as 64-bit words (the last zero-padded), folded in turn.

    A value's hash depends on its bytes alone, not on the other values hashed with it.
    """
    width = max(8, (int(lengths.max(initial=0)) + 7) // 8 * 8)
    matrix = np.zeros((len(lengths), width), np.uint8)
    total = int(lengths.sum())
    if len(lengths) and starts[0] == 0 and total == len(data):  # the values' bytes follow one another
        matrix[np.arange(width) < lengths[:, None]] = data
    else:
        firsts = np.cumsum(lengths) - lengths
        matrix[np.arange(width) < lengths[:, None]] = data[np.repeat(starts - firsts, lengths) + np.arange(total)]
    words = matrix.view("<u8")
    count = (lengths + 7) // 8
    hashes = lengths.astype(np.uint64) * _LENGTH
    with np.errstate(over="ignore"):
        for index in range(words.shape[1]):
            hashes = np.where(index < count, _mix(hashes * _BASE + words[:, index]), hashes)
    return hashes


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of the input reaches every bit of the output."""
    with np.errstate(over="ignore"):
        values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return values ^ (values >> np.uint64(31))


def string_array(values: list[str]) -> pa.Array:
    """Python strings as an Arrow array, built from buffers: converting Python objects imports pandas."""
    encoded = [value.encode("utf-8") for value in values]
    offsets = array.array("i", itertools.accumulate(map(len, encoded), initial=0))
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(encoded)))


def _all(mask) -> bool:
    """True when no present value of a boolean mask is false (nulls are missing cells, not failures)."""
    return pc.all(mask, min_count=0).as_py()
