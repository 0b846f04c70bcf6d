"""Load the project's metadata as a whole: shared definitions, Table Schemas, package metadata, version.

Nothing is cached: every call reads the files as they are now.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..jsonfile import load_json
from ..problems import Problem, ProblemsFound, raise_if
from ..schemas import TableSchema
from .package import MAX_METADATA_BYTES, Release, package_metadata, project_version, releases
from .profile import cross_problems, shared_problems, table_problems
from .shared import SHARED_FILE, resolve_shared, resolve_table

#: A table's Table Schema file in schemas/.
SCHEMA_SUFFIX = ".schema.json"


@dataclass(frozen=True)
class Project:
    """The checked metadata of a checkout."""

    root: Path
    schemas: dict[str, TableSchema]
    package: dict
    version: str
    releases: list[Release]


def load_project(root: Path) -> Project:
    """Every metadata file of the checkout at ``root``, checked; ProblemsFound lists every departure."""
    problems: list[Problem] = []
    schemas: dict[str, TableSchema] = {}
    package: dict = {}
    try:
        schemas = load_schemas(root / "schemas")
    except ProblemsFound as found:
        problems += found.problems
    try:
        package = package_metadata(root)
    except ProblemsFound as found:
        problems += found.problems
    raise_if(problems)
    return Project(root, schemas, package, project_version(root), releases(root))


def load_schemas(directory: Path) -> dict[str, TableSchema]:
    """Every table's Table Schema in ``directory``, shared definitions resolved, by name (sorted).

    Raises ProblemsFound with every departure from the profile.
    """
    directory = directory.resolve()
    label_dir = directory.name
    shared_label = f"{label_dir}/{Path(SHARED_FILE).name}"
    shared, problems = load_json(directory / Path(SHARED_FILE).name, shared_label, "metadata-json",
                                 max_bytes=MAX_METADATA_BYTES)
    if not problems:
        problems += shared_problems(shared, shared_label)
    if not problems:
        shared, found = resolve_shared(shared, shared_label)
        problems += found
    raise_if(problems)
    resolved: dict[str, dict] = {}
    labels: dict[str, str] = {}
    for path in sorted(directory.glob(f"*{SCHEMA_SUFFIX}")):
        name = path.name[: -len(SCHEMA_SUFFIX)]
        labels[name] = f"{label_dir}/{path.name}"
        document, found = load_json(path, labels[name], "metadata-json", max_bytes=MAX_METADATA_BYTES)
        if not found:
            document, found = resolve_table(document, shared, labels[name])
        if not found:
            found = table_problems(document, labels[name])
        problems += found
        if not found:
            resolved[name] = document
    if not labels:
        problems.append(Problem("metadata-profile", f"no Table Schema (*{SCHEMA_SUFFIX})", file=label_dir,
                                hint="describe each table in schemas/<table>.schema.json"))
    if not problems:
        problems += cross_problems(resolved, labels)
    raise_if(problems)
    return {name: TableSchema(name, directory / f"{name}{SCHEMA_SUFFIX}", resolved[name]) for name in resolved}
