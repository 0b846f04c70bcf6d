"""Validate a published package: descriptor, paths, sizes and hashes, CSVs, Parquet twins.

Frictionless checks the descriptor and every CSV resource (types, constraints, primary and foreign
keys). It is given only the CSVs: it reads Parquet slowly, mis-types nullable integers and never
checks a Parquet hash, so Parquet files are compared with their CSV twins through Arrow instead, and
every declared size and hash is checked here, each file read once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem
from .write import file_hash

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
    for resource in local:
        report.problems += _integrity_problems(resource, root)
    csvs = [r for r in descriptor["resources"] if r.get("format") == "csv"]
    report.problems += _frictionless_problems(descriptor, csvs, root, max_rows, max_problems)
    for resource in local:
        if resource.get("format") == "parquet":
            report.problems += _twin_problems(resource, csvs, root, max_problems)
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


def _integrity_problems(resource: dict, root: Path) -> list[Problem]:
    """Declared bytes and hash against the file."""
    path = root / resource["path"]
    problems = []
    if "bytes" in resource and resource["bytes"] != path.stat().st_size:
        problems.append(Problem("byte-count", f"declares {resource['bytes']} bytes, the file has "
                                f"{path.stat().st_size}", resource=resource.get("name"), file=resource["path"]))
    if "hash" in resource:
        declared = resource["hash"] if ":" in resource["hash"] else f"md5:{resource['hash']}"
        algorithm = declared.split(":", 1)[0]
        actual = file_hash(path, algorithm)
        if actual != declared:
            problems.append(Problem("hash-count", f"declares hash {declared}, the file has {actual}",
                                    resource=resource.get("name"), file=resource["path"]))
    return problems


def _frictionless_problems(descriptor: dict, csvs: list[dict], root: Path, max_rows, max_problems) -> list[Problem]:
    """Frictionless on the CSV resources only; sizes and hashes are already checked."""
    from frictionless import Package

    if not csvs:
        return []
    resources = [{k: v for k, v in r.items() if k not in ("bytes", "hash")} for r in csvs]
    package = Package({**descriptor, "resources": resources}, basepath=str(root))
    report = package.validate(limit_errors=max_problems, limit_rows=max_rows)
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


def _twin_problems(resource: dict, csvs: list[dict], root: Path, max_problems: int) -> list[Problem]:
    """A Parquet file must hold exactly its CSV twin's rows, with the types its schema implies."""
    import pyarrow.parquet as pq

    from .schemas import TableSchema

    name = resource.get("name")
    schema_ref = resource.get("schema")
    twin = next((r for r in csvs if r.get("schema") == schema_ref), None)
    schema_descriptor = json.loads((root / schema_ref).read_text(encoding="utf-8")) if isinstance(schema_ref, str) \
        else schema_ref
    schema = TableSchema(name, root / (twin or resource)["path"], schema_descriptor)
    expected = schema.arrow_schema()
    try:
        table = pq.read_table(root / resource["path"])
    except Exception as err:  # pyarrow raises several types for unreadable files
        return [Problem("parquet", f"cannot read the Parquet file: {err}", resource=name, file=resource["path"])]
    problems = []
    actual_types = {f.name: f.type for f in table.schema}
    expected_types = {f.name: f.type for f in expected}
    if actual_types != expected_types:
        for column in sorted(set(actual_types) | set(expected_types)):
            if actual_types.get(column) != expected_types.get(column):
                problems.append(Problem("parquet-type", f"type {actual_types.get(column)}, the schema implies "
                                        f"{expected_types.get(column)}", resource=name, file=resource["path"],
                                        field=column))
        return problems
    if twin is None:
        return problems
    csv_table = read_csv_arrow(root / twin["path"], expected)
    if csv_table is None:
        return problems  # the CSV's own problems are reported by frictionless
    table = table.select(expected.names)
    if table.num_rows != csv_table.num_rows:
        return [Problem("parquet-twin", f"{table.num_rows} rows, its CSV twin {twin['path']} has "
                        f"{csv_table.num_rows}", resource=name, file=resource["path"])]
    for column in expected.names:
        left, right = table[column], csv_table[column]
        if left.equals(right):
            continue
        import pyarrow.compute as pc

        differs = pc.invert(pc.fill_null(pc.equal(left, right), False))
        same_null = pc.and_(pc.is_null(left), pc.is_null(right))
        differs = pc.and_(differs, pc.invert(same_null))
        for index in pc.indices_nonzero(differs).to_pylist()[:max_problems]:
            problems.append(Problem("parquet-twin", f"differs from its CSV twin ({right[index].as_py()!r})",
                                    resource=name, file=resource["path"], row=index + 1, line=index + 2,
                                    field=column,
                                    value=str(left[index].as_py())))
    return problems


def read_csv_arrow(path: Path, schema):
    """A published CSV read with Arrow into the given schema; None if it does not parse."""
    import pyarrow as pa
    from pyarrow import csv

    options = csv.ConvertOptions(column_types={f.name: f.type for f in schema}, null_values=[""],
                                 strings_can_be_null=True, true_values=["true"], false_values=["false"],
                                 quoted_strings_can_be_null=False)
    try:
        table = csv.read_csv(path, convert_options=options)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return table.select(schema.names) if set(schema.names) <= set(table.column_names) else None
