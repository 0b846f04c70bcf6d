"""The package as one SQLite database, and the Datasette metadata that documents it.

Written with the standard library's ``sqlite3`` only. Conventions, from each Table Schema:

- types are SQLite column affinities, and every stored value has the matching storage class:
  ``string`` is TEXT (codes included: ``42005`` stays text), ``integer`` INTEGER, ``number`` REAL,
  ``boolean`` INTEGER holding 0 or 1 (``CHECK (x IN (0, 1))``), ``date`` TEXT in ISO 8601
  ``YYYY-MM-DD`` with ``CHECK (date(x, '+0 days') IS x)``, which refuses any other form and
  impossible days such as 2023-02-29. Tables are not ``STRICT``, so that SQLite older than 3.37
  can still open the file;
- ``required`` and primary-key fields are NOT NULL, ``unique`` fields UNIQUE, the primary key is
  the table's PRIMARY KEY; ``enum``, ``minimum`` and ``maximum`` become CHECK constraints
  (``pattern`` does not: SQLite has no regular expressions without an extension);
- every foreign key is declared (``FOREIGN KEY ... REFERENCES``), checked with
  ``PRAGMA foreign_key_check`` before the file is written (every violation reported), and its
  columns are indexed (``<table>__<columns>``) unless they lead the primary key. SQLite enforces
  foreign keys only on connections that run ``PRAGMA foreign_keys = ON``;
- tables are created parents first, rows inserted in primary-key order, then the database is
  copied by ``VACUUM INTO`` (4096-byte pages, rollback journal, UTF-8): the same tables give the
  same bytes with the same SQLite library, whose version number the file header records.
"""

from __future__ import annotations

import datetime
import html
import json
import math
import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

#: Table Schema type -> SQLite column type.
SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "TEXT"}
PAGE_SIZE = 4096
#: The Datasette metadata file written beside the database: ``datasette <db> -m <it>``.
DATASETTE_FILE = "datasette.json"


def write_sqlite(tables: dict[str, pd.DataFrame], schemas: dict[str, dict], path: Path) -> None:
    """Write every table, typed and keyed by its Table Schema descriptor, into the database ``path``.

    Raises ValueError when a table or column is not given, and ProblemsFound (``path`` left as it
    was) when rows break a foreign key (``foreign-key``) or another constraint (``constraint-error``).
    """
    from .problems import Problem, ProblemsFound

    path = Path(path)
    for name, schema in schemas.items():
        if name not in tables:
            raise ValueError(f"write_sqlite: no rows given for table {name!r}")
        missing = [f["name"] for f in schema["fields"] if f["name"] not in tables[name].columns]
        if missing:
            raise ValueError(f"write_sqlite: table {name!r} lacks the columns {', '.join(missing)}")
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        connection.execute("BEGIN")
        for name in creation_order(schemas):
            for statement in table_ddl(name, schemas[name]):
                connection.execute(statement)
            placeholders = ", ".join("?" for _ in schemas[name]["fields"])
            connection.executemany(f"INSERT INTO {_quote(name)} VALUES ({placeholders})",
                                   _rows(tables[name], schemas[name]))
        problems = [_foreign_key_problem(connection, path.name, schemas[table], table, rowid, parent, fk_id)
                    for table, rowid, parent, fk_id in connection.execute("PRAGMA foreign_key_check").fetchall()]
        if problems:
            raise ProblemsFound(problems)
        connection.execute("COMMIT")
        _vacuum_into(connection, path)
    except sqlite3.IntegrityError as err:
        raise ProblemsFound([Problem("constraint-error", f"a row breaks a constraint of the database: {err}",
                                     file=path.name)]) from None
    finally:
        connection.close()


def _foreign_key_problem(connection: sqlite3.Connection, label: str, schema: dict, table: str, rowid: int,
                         parent: str, fk_id: int):
    """A ``foreign-key`` problem naming the row by its primary key, the columns and their values."""
    from .problems import Problem

    columns = [row[3] for row in connection.execute(f"PRAGMA foreign_key_list({_quote(table)})") if row[0] == fk_id]
    key = _as_list(schema.get("primaryKey", [])) or ["rowid"]
    values = connection.execute(f"SELECT {_names(key + columns)} FROM {_quote(table)} WHERE rowid = ?",
                                (rowid,)).fetchone()
    return Problem("foreign-key", f"row {','.join(map(str, values[:len(key)]))}: not found in {parent}",
                   file=label, resource=table, field=",".join(columns),
                   value=",".join(map(str, values[len(key):])))


def creation_order(schemas: dict[str, dict]) -> list[str]:
    """Table names, each after the tables its foreign keys reference (ties by name)."""
    from .schemas import TableSchema, load_order

    return load_order({name: TableSchema(name, Path(name), schemas[name]) for name in sorted(schemas)})


def table_ddl(name: str, schema: dict) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements of one table."""
    key = _as_list(schema.get("primaryKey", []))
    lines = [_column_ddl(field, key) for field in schema["fields"]]
    if key:
        lines.append(f"PRIMARY KEY ({_names(key)})")
    for fk in schema.get("foreignKeys", []):
        target = fk["reference"].get("resource") or name
        lines.append(f"FOREIGN KEY ({_names(_as_list(fk['fields']))}) REFERENCES {_quote(target)} "
                     f"({_names(_as_list(fk['reference']['fields']))})")
    statements = [f"CREATE TABLE {_quote(name)} (\n  " + ",\n  ".join(lines) + "\n)"]
    indexed = set()
    for fk in schema.get("foreignKeys", []):
        columns = tuple(_as_list(fk["fields"]))
        if columns in indexed or list(columns) == key[: len(columns)]:
            continue
        indexed.add(columns)
        index = f"{name}__{'__'.join(columns)}"
        statements.append(f"CREATE INDEX {_quote(index)} ON {_quote(name)} ({_names(columns)})")
    return statements


def _column_ddl(field: dict, key: list[str]) -> str:
    name, kind = field["name"], field["type"]
    constraints = field.get("constraints", {})
    column = _quote(name)
    parts = [column, SQL_TYPES[kind]]
    if constraints.get("required") or name in key:
        parts.append("NOT NULL")
    if constraints.get("unique") and key != [name]:
        parts.append("UNIQUE")
    checks = []
    if kind == "boolean":
        checks.append(f"{column} IN (0, 1)")
    if kind == "date":
        checks.append(f"date({column}, '+0 days') IS {column}")
    if "enum" in constraints:
        checks.append(f"{column} IN ({', '.join(_literal(value, kind) for value in constraints['enum'])})")
    if kind in ("integer", "number"):
        if "minimum" in constraints:
            checks.append(f"{column} >= {_literal(constraints['minimum'], kind)}")
        if "maximum" in constraints:
            checks.append(f"{column} <= {_literal(constraints['maximum'], kind)}")
    parts += [f"CHECK ({check})" for check in checks]
    return " ".join(parts)


def _rows(df: pd.DataFrame, schema: dict) -> list[tuple]:
    """The table's rows as Python values of the SQLite storage classes, sorted by primary key."""
    columns = []
    for field in schema["fields"]:
        convert = _CONVERT[field["type"]]
        columns.append([None if pd.isna(value) else convert(value) for value in df[field["name"]].astype(object)])
    names = [field["name"] for field in schema["fields"]]
    positions = [names.index(column) for column in _as_list(schema.get("primaryKey", []))]
    # a missing key value sorts last, and NOT NULL then refuses it
    return sorted(zip(*columns),
                  key=lambda row: tuple((row[i] is None, "" if row[i] is None else row[i]) for i in positions))


def _iso_date(value) -> str:
    if isinstance(value, datetime.datetime):  # also pandas Timestamps
        value = value.date()
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def _as_list(names) -> list[str]:
    """A key's fields: Table Schema allows one name as a string."""
    return [names] if isinstance(names, str) else list(names)


_CONVERT: dict[str, Callable[[Any], Any]] = {"string": str, "integer": int, "number": float,
                                             "boolean": lambda v: int(bool(v)), "date": _iso_date}


def _vacuum_into(connection: sqlite3.Connection, path: Path) -> None:
    """Copy the database compactly into ``path``, replacing it only once the copy is complete."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        connection.execute("VACUUM INTO ?", (temporary,))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _names(columns) -> str:
    return ", ".join(_quote(column) for column in columns)


def _literal(value, kind: str) -> str:
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def datasette_metadata(package_meta: dict, schemas: dict[str, dict], *, database: str | None = None) -> dict:
    """A Datasette metadata document for the database ``database`` (default: the package name).

    ``package_meta`` is the package's metadata (``schemas/package.json`` or the Data Package
    descriptor): title, description, homepage, licenses, where present resources (titles and
    descriptions, as a list or by name) and sources (``title`` and ``path``). Each table gets its
    title and description (from its resource, else from its Table Schema), each column its title
    and description, ``units`` from a field's ``unit`` (a Pint unit expression, as Datasette
    expects), and facets on enum and boolean columns.
    """
    resources = package_meta.get("resources", {})
    if isinstance(resources, list):
        resources = {resource["name"]: resource for resource in resources}
    tables = {}
    for name in sorted(schemas):
        schema, resource = schemas[name], resources.get(name, {})
        table = {"title": resource.get("title") or schema.get("title") or name}
        description = resource.get("description") or schema.get("description")
        if description:
            table["description"] = description
        table["columns"] = {field["name"]: _column_description(field) for field in schema["fields"]}
        units = {field["name"]: field["unit"] for field in schema["fields"] if field.get("unit")}
        if units:
            table["units"] = units
        facets = [field["name"] for field in schema["fields"]
                  if field["type"] == "boolean" or "enum" in field.get("constraints", {})]
        if facets:
            table["facets"] = facets
        tables[name] = table
    metadata = {"title": package_meta["title"], "description_html": _description_html(package_meta)}
    licenses = package_meta.get("licenses") or []
    if licenses:
        metadata["license"] = licenses[0].get("title") or licenses[0]["name"]
        if licenses[0].get("path"):
            metadata["license_url"] = licenses[0]["path"]
    if package_meta.get("homepage"):
        metadata["about"] = package_meta["title"]
        metadata["about_url"] = package_meta["homepage"]
    metadata["databases"] = {database or package_meta["name"]: {"title": package_meta["title"], "tables": tables}}
    return metadata


def write_datasette_metadata(metadata: dict, path: Path) -> None:
    """The metadata as UTF-8 JSON, keys in the order built, two-space indent, final newline."""
    Path(path).write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _column_description(field: dict) -> str:
    text = field["title"]
    if field.get("description"):
        text += " — " + field["description"]
    return text


def _description_html(package_meta: dict) -> str:
    """The package description, then its sources as a list (linked where they are web addresses)."""
    paragraphs = [p.strip() for p in package_meta.get("description", "").split("\n\n") if p.strip()]
    parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    sources = package_meta.get("sources") or []
    if sources:
        items = []
        for source in sources:
            title, address = html.escape(source["title"]), source.get("path", "")
            if address.startswith(("https://", "http://")):
                items.append(f'<li><a href="{html.escape(address)}">{title}</a></li>')
            else:
                items.append(f"<li>{title} ({html.escape(address)})</li>" if address else f"<li>{title}</li>")
        parts.append("<p>Sources :</p><ul>" + "".join(items) + "</ul>")
    return "".join(parts)


def write_database(outputs, path: Path) -> None:
    """The format registry's writer: every table of the build, and its Datasette metadata beside it."""
    schemas = {name: schema.descriptor for name, schema in outputs.schemas.items()}
    write_sqlite(outputs.tables, schemas, path)
    meta = datasette_metadata({**outputs.package, "sources": outputs.sources}, schemas, database=path.stem)
    write_datasette_metadata(meta, path.with_name(DATASETTE_FILE))
