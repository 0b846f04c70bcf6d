"""Validate a published package: descriptor, paths, sizes and hashes, CSVs, Parquet twins.

Frictionless checks the descriptor and judges every CSV resource (types, constraints, primary and
foreign keys). A CSV resource that vectorised Arrow checks prove valid (see ``csvproof``) is not
read again by frictionless: those checks are at least as strict as frictionless's, so its report is
unchanged, and only resources with a problem, or outside what the proof covers, are read row by row.
Frictionless is given only the CSVs: it reads Parquet slowly, mis-types nullable integers and never
checks a Parquet hash, so Parquet files are compared with their CSV twins through Arrow instead, and
every declared size and hash is checked here. Each file is mapped into memory once and shared by
the hash, the proof and the twin check.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem

#: Default bounds for packages of unknown origin.
MAX_DESCRIPTOR_BYTES = 10 * 1024**2
MAX_FILE_BYTES = 2 * 1024**3
MAX_PROBLEMS = 1000


@dataclass
class ValidationReport:
    """The outcome of a validation: every problem found (up to the bound) and what was checked."""

    descriptor: str
    problems: list[Problem] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"valid": self.valid, "descriptor": self.descriptor, "resources": self.resources,
                "problem_count": len(self.problems), "problems": [p.to_dict() for p in self.problems]}


def validate_package(descriptor_path: Path, *, allow_remote: bool = False, max_file_bytes: int = MAX_FILE_BYTES,
                     max_rows: int | None = None, max_problems: int = MAX_PROBLEMS) -> ValidationReport:
    """Validate the package described by ``descriptor_path`` (which must exist)."""
    report = ValidationReport(str(descriptor_path))
    root = descriptor_path.resolve().parent
    descriptor = _read_descriptor(descriptor_path, report)
    if descriptor is None:
        return report
    report.resources = [r.get("name", "?") for r in descriptor.get("resources", []) if isinstance(r, dict)]
    report.problems += _shape_problems(descriptor)
    if report.problems:
        return report
    local = []
    for resource in descriptor["resources"]:
        found = _path_problems(resource, root, allow_remote, max_file_bytes)
        report.problems += found
        if not found and not _is_remote(resource["path"]):
            local.append(resource)
    if report.problems:
        return report
    report.problems += _descriptor_problems(descriptor)
    if report.problems:
        return report
    report.problems += _data_problems(descriptor, local, root, max_rows, max_problems)
    del report.problems[max_problems:]
    return report


def _read_descriptor(path: Path, report: ValidationReport) -> dict | None:
    label = path.name
    if path.stat().st_size > MAX_DESCRIPTOR_BYTES:
        report.problems.append(Problem("too-large", f"descriptor larger than {MAX_DESCRIPTOR_BYTES} bytes", file=label))
        return None
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        report.problems.append(Problem("descriptor", f"not a JSON document: {err}", file=label,
                                       line=getattr(err, "lineno", None)))
        return None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        report.problems.append(Problem("descriptor", "a data package descriptor is an object with a "
                                       "'resources' list", file=label))
        return None
    return descriptor


def _shape_problems(descriptor: dict) -> list[Problem]:
    """Every resource must be an object with one path, before any path is looked at."""
    problems = []
    for resource in descriptor["resources"]:
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            problems.append(Problem("descriptor", "every resource needs a single 'path' string",
                                    resource=str(resource.get("name")) if isinstance(resource, dict) else None))
    return problems


def _descriptor_problems(descriptor: dict) -> list[Problem]:
    """The descriptor against the Data Package profile (frictionless), without reading any data."""
    from frictionless import Package

    problems = []
    metadata_only = {**descriptor, "resources": [{k: v for k, v in r.items() if k != "schema"}
                                                 for r in descriptor["resources"]]}
    for error in Package.metadata_validate(metadata_only):
        problems.append(Problem(error.type, error.message, file="datapackage.json"))
    return problems


def _is_remote(path: str) -> bool:
    return "://" in path


def _path_problems(resource: dict, root: Path, allow_remote: bool, max_file_bytes: int) -> list[Problem]:
    """Refuse paths that leave the package folder, remote paths unless allowed, and oversized files."""
    name = resource.get("name")
    paths = [("path", resource["path"])]
    if isinstance(resource.get("schema"), str):
        paths.append(("schema", resource["schema"]))
    problems = []
    for key, value in paths:
        if _is_remote(value):
            if not allow_remote:
                problems.append(Problem("unsafe-path", f"remote {key} refused", resource=name, value=value,
                                        hint="pass --allow-remote to validate remote resources"))
            continue
        target = root / value
        if Path(value).is_absolute() or ".." in Path(value).parts or not target.resolve().is_relative_to(root):
            problems.append(Problem("unsafe-path", f"{key} leaves the package folder", resource=name, value=value,
                                    hint="resource and schema paths must stay inside the descriptor's folder"))
        elif not target.is_file():
            problems.append(Problem("missing-file", f"{key} not found", resource=name, value=value))
        elif target.stat().st_size > max_file_bytes:
            problems.append(Problem("too-large", f"{key} is larger than {max_file_bytes} bytes", resource=name,
                                    value=value, hint="raise the bound with --max-bytes if you trust the package"))
    return problems


def _map(path: Path):
    """The file's bytes, mapped into memory: read from disk once, whatever reads them."""
    import pyarrow as pa

    return pa.memory_map(str(path)).read_buffer()


def _ref(resource: dict) -> str | None:
    """A key for the resource's schema: its path, or its inline descriptor as JSON."""
    schema = resource.get("schema")
    return schema if isinstance(schema, str) or schema is None else json.dumps(schema, sort_keys=True)


def _schemas(resources: list[dict], root: Path) -> dict[str, dict]:
    """Each Table Schema of the local resources, read once; one that does not parse is left to frictionless."""
    schemas = {}
    for resource in resources:
        schema = resource.get("schema")
        if isinstance(schema, dict):
            schemas[_ref(resource)] = schema
        elif isinstance(schema, str) and not _is_remote(schema) and schema not in schemas:
            try:
                schemas[schema] = json.loads((root / schema).read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
    return schemas


def _data_problems(descriptor: dict, local: list[dict], root: Path, max_rows, max_problems: int) -> list[Problem]:
    """Sizes and hashes; the CSVs, proven valid or judged by frictionless; the Parquet twins.

    A proven CSV is compared with its Parquet twins as soon as it is proven, and both files are then
    released, so memory holds about one table at a time (and the keys other tables reference).
    """
    from .csvproof import prove_valid

    data = {resource["path"]: _map(root / resource["path"]) for resource in local}
    users = Counter(resource["path"] for resource in local)
    problems = [p for resource in local for p in _integrity_problems(resource, data[resource["path"]])]
    schemas = _schemas(local, root)
    csvs = [r for r in descriptor["resources"] if r.get("format") == "csv"]
    twins = {id(r): next((c for c in csvs if c.get("schema") == r.get("schema")), None)
             for r in local if r.get("format") == "parquet"}
    twin_problems: dict[int, list[Problem]] = {}
    proven = set()
    names = [r.get("name") for r in csvs]
    if max_rows is None and all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
        local_csvs = {r["name"]: r for r in csvs if r in local}
        tables = prove_valid(list(local_csvs.values()), {n: schemas.get(_ref(r)) for n, r in local_csvs.items()},
                             lambda name: data[local_csvs[name]["path"]])
        for name, table in tables:
            proven.add(name)
            problems += _identifier_problems(local_csvs[name], schemas.get(_ref(local_csvs[name])), table)
            done = [local_csvs[name]]
            for resource in local:
                if id(resource) in twins and twins[id(resource)] is local_csvs[name]:
                    twin_problems[id(resource)] = _twin_problems(resource, local_csvs[name], schemas, data, table,
                                                                 max_problems)
                    done.append(resource)
            for resource in done:
                users[resource["path"]] -= 1
                if not users[resource["path"]]:
                    del data[resource["path"]]
    judged = [r for r in descriptor["resources"]
              if r.get("format") != "parquet" or (r in local and twins.get(id(r)) is None)]
    problems += _frictionless_problems(descriptor, judged, root, proven, max_rows, max_problems)
    for resource in local:
        schema = schemas.get(_ref(resource))
        if resource.get("format") == "csv" and resource.get("name") not in proven and isinstance(schema, dict):
            import pyarrow as pa

            types = {f["name"]: pa.string() for f in schema.get("fields", []) if f.get("identifier") == "siren"}
            if types:
                table = read_csv_arrow(data[resource["path"]], types, schema.get("missingValues", [""]))
                problems += _identifier_problems(resource, schema, table)
    for resource in local:
        if id(resource) in twins:
            found = twin_problems.get(id(resource))
            problems += _twin_problems(resource, twins[id(resource)], schemas, data, None, max_problems) \
                if found is None else found
    return problems


def _identifier_problems(resource: dict, schema, table) -> list[Problem]:
    """SIRENs (fields annotated ``"identifier": "siren"``) must pass their Luhn check digit.

    Frictionless checks the nine-digit pattern; the check digit is this package's own rule.
    """
    import pyarrow.compute as pc
    from stdnum.fr import siren

    problems = []
    if table is None or not isinstance(schema, dict):
        return problems
    for field in schema.get("fields", []):
        if field.get("identifier") != "siren" or field.get("name") not in table.column_names:
            continue
        column = table[field["name"]].cast("string")
        for value in pc.unique(column).to_pylist():
            if value is None or len(value) != 9 or not value.isdigit() or siren.is_valid(value):
                continue
            for index in pc.indices_nonzero(pc.fill_null(pc.equal(column, value), False)).to_pylist():
                problems.append(Problem("check-digit", "not a valid SIREN (Luhn check digit fails)",
                                        resource=resource.get("name"), file=resource["path"], row=index + 1,
                                        line=index + 2, field=field["name"], value=value))
    return problems


def _integrity_problems(resource: dict, data) -> list[Problem]:
    """Declared bytes and hash against the file."""
    problems = []
    if "bytes" in resource and resource["bytes"] != data.size:
        problems.append(Problem("byte-count", f"declares {resource['bytes']} bytes, the file has {data.size}",
                                resource=resource.get("name"), file=resource["path"]))
    if "hash" in resource:
        declared = resource["hash"] if ":" in resource["hash"] else f"md5:{resource['hash']}"
        algorithm = declared.split(":", 1)[0]
        try:
            actual = f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"
        except ValueError:
            actual = f"no {algorithm!r} algorithm to compute it with"
        if actual != declared:
            problems.append(Problem("hash-count", f"declares hash {declared}, the file has {actual}",
                                    resource=resource.get("name"), file=resource["path"]))
    return problems


def _frictionless_problems(descriptor: dict, judged: list[dict], root: Path, proven: set, max_rows,
                           max_problems) -> list[Problem]:
    """Frictionless on the judged resources not proven valid; sizes and hashes are already checked.

    Judged are every resource but the Parquet twins (compared with their CSVs instead); the package
    frictionless sees holds every resource, so that a foreign key may reference any of them.
    """
    from frictionless import FrictionlessException, Package

    if not judged:
        return []
    resources = [{k: v for k, v in r.items() if k not in ("bytes", "hash")} for r in descriptor["resources"]]
    package = Package({**descriptor, "resources": resources}, basepath=str(root))
    pending = [r["name"] for r in judged if r.get("name") not in proven]
    try:
        package.to_descriptor(validate=True)  # the metadata check Package.validate starts with
    except FrictionlessException as err:
        return [Problem(e.type, e.message, file="datapackage.json") for e in err.to_errors()]
    problems = []
    for name in pending:
        problems += _problems(package.validate(name=name, limit_errors=max_problems, limit_rows=max_rows))
    return problems


def _problems(report) -> list[Problem]:
    """A frictionless report as problems."""
    problems = [Problem(e.type, e.message, file="datapackage.json") for e in report.errors]
    for task in report.tasks:
        for error in task.errors:
            fields = getattr(error, "field_names", None) or [getattr(error, "field_name", None)]
            cells = getattr(error, "field_cells", None) or [getattr(error, "cell", None)]
            line = getattr(error, "row_number", None)
            problems.append(Problem(
                error.type, error.message, resource=task.name, file=task.place, line=line,
                row=line - 1 if line else None, field=",".join(f for f in fields if f) or None,
                value=",".join(str(c) for c in cells if c is not None) if any(c is not None for c in cells) else None,
            ))
    return problems


def _twin_problems(resource: dict, twin: dict | None, schemas: dict, data: dict, csv_table,
                   max_problems: int) -> list[Problem]:
    """A Parquet file must hold exactly its CSV twin's rows, with the types its schema implies.

    ``twin`` is the CSV resource with the same schema; ``csv_table`` its typed table when proven valid.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from .csvproof import arrow_types

    name = resource.get("name")
    schema = schemas.get(_ref(resource))
    expected_types = arrow_types(schema) if isinstance(schema, dict) else None
    if expected_types is None:
        return []  # frictionless reports the schema's own problems
    try:
        table = pq.ParquetFile(pa.BufferReader(data[resource["path"]])).read()  # read_table imports pandas
    except Exception as err:  # pyarrow raises several types for unreadable files
        return [Problem("parquet", f"cannot read the Parquet file: {err}", resource=name, file=resource["path"])]
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
        return [Problem("parquet-twin", f"{table.num_rows} rows, its CSV twin {twin['path']} has "
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
