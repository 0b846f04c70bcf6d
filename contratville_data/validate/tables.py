"""The data files of a package: read once, proven valid where possible, judged by frictionless otherwise.

A proven CSV is compared with its twins as soon as it is proven, and both files are then released,
so memory holds about one table at a time (and the keys other tables reference).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..formats import twin_table
from ..jsonfile import load_json
from ..limits import MAX_DESCRIPTOR_BYTES
from ..problems import Problem
from .cells import cell_problems
from .frictionless_check import frictionless_problems
from .identifiers import siren_problems
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


def data_problems(descriptor: dict, local: list[dict], root: Path, max_rows, max_problems: int,
                  allow_remote: bool = False) -> list[Problem]:
    """Sizes and hashes; the CSVs, proven valid or judged by frictionless; the twins."""
    from ..csvproof import prove_valid
    from .twins import twin_problems

    data = {resource["path"]: _map(root / resource["path"]) for resource in local}
    users = Counter(resource["path"] for resource in local)
    problems = [p for resource in local for p in integrity_problems(resource, data[resource["path"]])]
    schemas, found = read_schemas(local, root, allow_remote)
    problems += found
    if found:
        return problems
    csvs = {r["name"]: r for r in descriptor["resources"] if r.get("format") == "csv"}
    twins = {id(r): csvs.get(twin_table(r)) for r in local if twin_table(r) is not None}
    twin_found: dict[int, list[Problem]] = {}
    proven = set()
    if max_rows is None and len(csvs) == len([r for r in descriptor["resources"] if r.get("format") == "csv"]):
        local_csvs = {name: r for name, r in csvs.items() if r in local}
        tables = prove_valid(list(local_csvs.values()), {n: schemas.get(schema_key(r)) for n, r in local_csvs.items()},
                             lambda name: data[local_csvs[name]["path"]])
        for name, table in tables:
            proven.add(name)
            problems += cell_problems(local_csvs[name], table)
            problems += siren_problems(local_csvs[name], schemas.get(schema_key(local_csvs[name])), table)
            done = [local_csvs[name]]
            for resource in local:
                if twins.get(id(resource)) is local_csvs[name]:
                    twin_found[id(resource)] = twin_problems(resource, local_csvs[name], schemas, data, table,
                                                             max_problems)
                    done.append(resource)
            for resource in done:
                users[resource["path"]] -= 1
                if not users[resource["path"]]:
                    del data[resource["path"]]
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
                problems += siren_problems(resource, schema, read_csv_arrow(data[resource["path"]], types,
                                                                            schema.get("missingValues", [""])))
    for resource in local:
        if twins.get(id(resource)) is not None:
            known = twin_found.get(id(resource))
            problems += twin_problems(resource, twins[id(resource)], schemas, data, None, max_problems) \
                if known is None else known
    return problems


def _map(path: Path):
    """The file's bytes, mapped into memory: read from disk once, whatever reads them."""
    import pyarrow as pa

    return pa.memory_map(str(path)).read_buffer()


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
