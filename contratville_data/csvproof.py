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
"""

from __future__ import annotations

import array
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator

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


def prove_valid(resources: list[dict], schemas: dict[str, dict | None],
                read: Callable[[str], pa.Buffer]) -> Iterator[tuple[str, pa.Table]]:
    """Yield each CSV resource proven valid, parents first, as (name, table typed by its schema).

    ``schemas`` maps a resource name to its Table Schema descriptor and ``read`` gives a resource's
    bytes. Once a table is yielded only the columns that foreign keys reference are kept, so memory
    holds one table at a time and the keys.
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
    order: list[str] = []

    def visit(name: str, trail: frozenset) -> None:
        if name in order or name in trail or name not in provable:
            return
        for parent in sorted(_parents(provable[name], name)):
            visit(parent, trail | {name})
        order.append(name)

    for name in by_name:
        visit(name, frozenset())
    kept: dict[str, pa.Table] = {}
    for name in order:
        if not _parents(provable[name], name) <= kept.keys():
            continue  # a parent is not proven valid (or the keys form a cycle): frictionless decides
        try:
            table = _proven_table(provable[name], read(name), kept, name)
        except pa.ArrowException:
            # cells Arrow cannot parse, an integer beyond 64 bits, an impossible date, a pattern RE2
            # cannot compile, a key too wide to combine: frictionless decides
            table = None
        if table is not None:
            kept[name] = table.select(sorted(referenced.get(name, set()) & set(table.column_names)))
            yield name, table


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


def _proven_table(schema: dict, data: pa.Buffer, proven: dict[str, pa.Table], name: str) -> pa.Table | None:
    """The resource's table typed by its schema if every check passes, else None."""
    fields = schema["fields"]
    table = _read_strings(data, [f["name"] for f in fields], schema.get("missingValues", [""]))
    if table is None or not _no_blank_row(table):
        return None
    typed = _typed(table, fields)
    if typed is None or not all(_field_holds(typed[f["name"]], f) for f in fields):
        return None
    if not _primary_key_holds(typed, _key(schema.get("primaryKey", []))):
        return None
    for fk in schema.get("foreignKeys", []):
        reference = fk["reference"]
        parent = typed if reference["resource"] in (name, "") else proven[reference["resource"]]
        parent_field = _key(reference["fields"])[0]
        if parent_field not in parent.column_names or not _references_hold(typed[_key(fk["fields"])[0]],
                                                                            parent[parent_field]):
            return None
    return typed


def _read_strings(data: pa.Buffer, names: list[str], missing: list[str]) -> pa.Table | None:
    """Every cell as a string (missing values as nulls), if frictionless reads the same cells."""
    if data.size == 0 or data[:3].to_pybytes() == b"\xef\xbb\xbf" or not _sniffed_as_plain_csv(data):
        return None
    parse = arrow_csv.ParseOptions(delimiter=",", quote_char='"', double_quote=True, escape_char=False,
                                   newlines_in_values=True, ignore_empty_lines=False)
    convert = arrow_csv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=missing,
                                       strings_can_be_null=True, quoted_strings_can_be_null=True)
    table = arrow_csv.read_csv(pa.BufferReader(data), parse_options=parse, convert_options=convert)
    if table.column_names != names:
        return None
    if any(pc.any(pc.match_substring(column, "\x00")).as_py() for column in table.columns):
        return None  # Python's csv module refuses NUL characters
    return table


def _sniffed_as_plain_csv(data: pa.Buffer) -> bool:
    """Whether frictionless, sniffing the first lines, reads the file with a comma and no initial-space skip."""
    sample = _sample(data)
    if sample is None:
        return False
    try:
        sniffed = csv.Sniffer().sniff("".join(sample), SNIFFED_DELIMITERS)
    except csv.Error:
        return True  # frictionless falls back to the excel dialect: comma, no initial-space skip
    return sniffed.delimiter == "," and not sniffed.skipinitialspace


def _sample(data: pa.Buffer) -> list[str] | None:
    """The first lines as frictionless's text stream gives them; None if they are not UTF-8."""
    size = 1 << 16
    while True:
        head = data[:size].to_pybytes()
        whole = size >= data.size
        if not whole:
            head = head[: max(head.rfind(b"\n"), head.rfind(b"\r")) + 1]
        try:
            lines = io.StringIO(head.decode("utf-8"), newline="").readlines()
        except UnicodeDecodeError:
            return None
        if whole or len(lines) > SAMPLE_LINES:
            return lines[:SAMPLE_LINES]
        size *= 4


def _no_blank_row(table: pa.Table) -> bool:
    """frictionless reports a row whose cells are all missing as a blank row."""
    blank = pc.is_null(table.column(0))
    for column in table.columns[1:]:
        blank = pc.and_(blank, pc.is_null(column))
    return not pc.any(blank).as_py()


def _typed(table: pa.Table, fields: list[dict]) -> pa.Table | None:
    """String columns cast to their schema types, if every cell has the strict form of its type."""
    columns = []
    for field, column in zip(fields, table.columns):
        kind = field["type"]
        if kind in STRICT_FORMS and not _all(pc.match_substring_regex(column, STRICT_FORMS[kind])):
            return None
        if kind == "boolean":
            column = pc.match_substring(column, pattern="true")  # the cells are "true" or "false"
        elif kind != "string":
            column = pc.cast(column, getattr(pa, TYPE_MAP[kind][1])())
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _field_holds(column: pa.ChunkedArray, field: dict) -> bool:
    constraints = field.get("constraints", {})
    if constraints.get("required") and column.null_count:
        return False
    if constraints.get("unique") and not _distinct(column):
        return False
    if "pattern" in constraints and not _all(pc.match_substring_regex(column, _anchored(constraints["pattern"]))):
        return False
    if "enum" in constraints and not _all(pc.is_in(column.drop_null(), value_set=_strings(constraints["enum"]))):
        return False
    if not {"minimum", "maximum"} & constraints.keys():
        return True
    low, high = pc.min_max(column).values()
    if "minimum" in constraints and low.is_valid and low.as_py() < constraints["minimum"]:
        return False
    return not ("maximum" in constraints and high.is_valid and high.as_py() > constraints["maximum"])


def _primary_key_holds(table: pa.Table, key: list[str]) -> bool:
    if not key:
        return True
    if any(table[name].null_count for name in key):
        return False
    if len(key) == 1:
        return _distinct(table[key[0]])
    combined = None  # each row's key as one integer: its values' dictionary indices in mixed radix
    for name in key:
        encoded = table[name].combine_chunks().dictionary_encode()
        indices = pc.cast(encoded.indices, pa.int64())
        combined = indices if combined is None else \
            pc.add_checked(pc.multiply_checked(combined, pc.count(encoded.dictionary)), indices)
    return _distinct(combined)


def _references_hold(child: pa.ChunkedArray, parent: pa.ChunkedArray) -> bool:
    """Every present value of a single-field foreign key is among the parent's present values."""
    if child.type != parent.type:
        return False
    return _all(pc.is_in(child.drop_null(), value_set=parent.drop_null().combine_chunks()))


def _distinct(column) -> bool:
    """Whether no present value repeats (``unique`` lists a null once, if there is one)."""
    return len(pc.unique(column)) - (column.null_count > 0) == len(column) - column.null_count


def _strings(values: list[str]) -> pa.Array:
    """Python strings as an Arrow array, built from buffers: converting Python objects imports pandas."""
    encoded = [value.encode("utf-8") for value in values]
    offsets = array.array("i", itertools.accumulate(map(len, encoded), initial=0))
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(encoded)))


def _all(mask) -> bool:
    """True when no present value of a boolean mask is false (nulls are missing cells, not failures)."""
    return pc.all(mask, min_count=0).as_py()
