"""The data files of a package: each streamed once, proven valid where possible, judged by frictionless otherwise.

Files are hashed in a thread while the CSVs are proven (``integrity``, started by the caller). A CSV
being proven is read in batches (``csvproof``), and each typed batch is also checked for long cells
(``cells``), SIREN check digits (``identifiers``) and against its Parquet twins (``twins``), so
that memory holds a few batches and the keys other tables reference, never a whole table. A file
that cannot be proven is read whole, once, for frictionless's fallbacks.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path

from ..formats import twin_table
from ..jsonfile import load_json
from ..limits import MAX_DESCRIPTOR_BYTES
from ..problems import Problem
from .cells import LongestCells
from .frictionless_check import frictionless_problems
from .identifiers import SirenCheck, siren_problems
from .integrity import integrity_problems
from .paths import is_remote
from .patterns import pattern_problems
from .references import schema_reference_problems


def schema_key(resource: dict) -> str:
    """A key for the resource's schema: its path, or its inline descriptor (or none) as JSON."""
    schema = resource.get("schema")
    return schema if isinstance(schema, str) else json.dumps(schema, sort_keys=True)


def read_schemas(resources: list[dict], root: Path,
                 allow_remote: bool = False) -> tuple[dict[str, dict], list[Problem]]:
    """Each Table Schema of the local resources, read once; an unreadable one, a reference it would make
    frictionless follow, a pattern RE2 cannot take, is a problem. Remote schemas are left to frictionless."""
    schemas: dict[str, dict] = {}
    problems: list[Problem] = []
    for resource in resources:
        schema, key = resource.get("schema"), schema_key(resource)
        if key in schemas or (isinstance(schema, str) and is_remote(schema)):
            continue
        if isinstance(schema, str):
            document, found = load_json(root / schema, schema, "schema-error", max_bytes=MAX_DESCRIPTOR_BYTES)
            problems += [Problem(p.type, p.message, file=p.file, line=p.line, resource=resource["name"], hint=p.hint)
                         for p in found]
            if isinstance(document, dict):
                problems += schema_reference_problems(document, root, allow_remote, resource["name"])
            schema = document
        if isinstance(schema, dict):
            problems += pattern_problems(resource, schema)
            schemas[key] = schema
    return schemas, problems


def import_readers() -> None:
    """Import what reads and proves the tables (Arrow, NumPy, Parquet): a fifth of a second, which
    ``validate_package`` spends in a thread while the files are scanned."""
    import pyarrow.parquet  # noqa: F401

    from .. import csvproof  # noqa: F401
    from . import twins  # noqa: F401


def data_problems(descriptor: dict, local: list[dict], root: Path, max_rows, max_problems: int,
                  allow_remote: bool = False, hashed: list[Future] | None = None) -> list[Problem]:
    """Sizes and hashes (``hashed``: the futures of ``integrity_problems`` of the local resources, if already
    started); the CSVs, proven valid or judged by frictionless; the twins."""
    if hashed is None:
        hashed = [_done(integrity_problems(resource, root / resource["path"])) for resource in local]
    found = _table_problems(descriptor, local, root, max_rows, max_problems, allow_remote)
    return [p for future in hashed for p in future.result()] + found


def _done(problems: list[Problem]) -> Future:
    future: Future = Future()
    future.set_result(problems)
    return future


def _table_problems(descriptor: dict, local: list[dict], root: Path, max_rows, max_problems: int,
                    allow_remote: bool) -> list[Problem]:
    from ..csvproof import prove_valid
    from .twins import TwinStream, twin_problems

    schemas, problems = read_schemas(local, root, allow_remote)
    if problems:
        return problems
    read = _Files(root)
    csvs = {r["name"]: r for r in descriptor["resources"] if r.get("format") == "csv"}
    twins = {id(r): csvs.get(twin_table(r)) for r in local if twin_table(r) is not None}
    twin_found: dict[int, list[Problem]] = {}
    proven = set()
    if max_rows is None and len(csvs) == len([r for r in descriptor["resources"] if r.get("format") == "csv"]):
        local_csvs = {name: r for name, r in csvs.items() if r in local}
        watches: dict[str, tuple[LongestCells, SirenCheck, dict[int, TwinStream]]] = {}

        def watch(name: str) -> list:
            resource = local_csvs[name]
            streams = {id(r): TwinStream(r, schemas.get(schema_key(r)), root / r["path"], max_problems)
                       for r in local if twins.get(id(r)) is resource}
            watches[name] = (LongestCells(resource), SirenCheck(resource, schemas.get(schema_key(resource))), streams)
            return [watches[name][0], watches[name][1], *streams.values()]

        cell_problems: dict[str, list[Problem]] = {}
        for name, rows in prove_valid(list(local_csvs.values()),
                                      {n: schemas.get(schema_key(r)) for n, r in local_csvs.items()},
                                      lambda name: root / local_csvs[name]["path"], watch):
            proven.add(name)
            long_cells, sirens, streams = watches.pop(name)
            cell_problems[name] = long_cells.problems() + sirens.problems()
            for key, stream in streams.items():
                found = stream.problems(rows)
                twin_found[key] = found if found is not None else \
                    twin_problems(stream.resource, local_csvs[name], schemas, read, max_problems)
        watches.clear()  # the resources that were not proven: what their watchers saw is forgotten
        # tables are proven side by side, and end in any order: problems are given in the descriptor's
        problems += [p for name in local_csvs for p in cell_problems.get(name, [])]
    pending = [r["name"] for r in descriptor["resources"]
               if r["name"] not in proven and (id(r) not in twins or twins[id(r)] is None)]
    by_name = {r["name"]: schemas[schema_key(r)] for r in local if schema_key(r) in schemas}
    problems += frictionless_problems(descriptor, pending, root, max_rows, max_problems, by_name)
    for resource in local:
        schema = schemas.get(schema_key(resource))
        if resource.get("format") == "csv" and resource["name"] not in proven and isinstance(schema, dict):
            import pyarrow as pa

            fields: list = schema["fields"] if isinstance(schema.get("fields"), list) else []
            types = {f["name"]: pa.string() for f in fields if isinstance(f, dict) and f.get("identifier") == "siren"
                     and isinstance(f.get("name"), str)}
            if types:
                problems += siren_problems(resource, schema, read_csv_arrow(read(resource["path"]), types,
                                                                            schema.get("missingValues", [""])))
    for resource in local:
        if twins.get(id(resource)) is not None:
            known = twin_found.get(id(resource))
            problems += twin_problems(resource, twins[id(resource)], schemas, read, max_problems) \
                if known is None else known
    return problems


class _Files:
    """Files read whole on demand (memory-mapped), once each: only where a CSV could not be streamed."""

    def __init__(self, root: Path):
        self.root = root
        self.read: dict[str, object] = {}

    def __call__(self, path: str):
        if path not in self.read:
            import pyarrow as pa

            self.read[path] = pa.memory_map(str(self.root / path)).read_buffer()
        return self.read[path]


def read_csv_arrow(data, types: dict, missing_values: list):
    """A CSV's bytes read with Arrow into the given column types; None if it does not parse."""
    import pyarrow as pa
    from pyarrow import csv

    if not isinstance(missing_values, list) or not all(isinstance(v, str) for v in missing_values):
        return None
    options = csv.ConvertOptions(column_types=types, null_values=missing_values, strings_can_be_null=True,
                                 quoted_strings_can_be_null=True, true_values=["true"], false_values=["false"])
    try:
        table = csv.read_csv(pa.BufferReader(data), convert_options=options)
    except pa.ArrowException:
        return None
    return table.select(list(types)) if set(types) <= set(table.column_names) else None
