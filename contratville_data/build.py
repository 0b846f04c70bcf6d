"""raw/ -> build/ + datapackage.json: read, check, write to a temporary folder, validate, publish."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .datapackage import SCHEMA_DIR
from .problems import Problem, ProblemsFound, raise_if

#: The generated documents, relative to the project root.
DICTIONARY = "docs/data-dictionary.md"
ERRORS = "docs/errors.md"
MAP = "docs/carte-communes.svg"
DOCUMENTS = (DICTIONARY, ERRORS, MAP)
#: Everything a build publishes: build/ holds the data files and the published Table Schemas.
PUBLISHED = ("build", "datapackage.json", *DOCUMENTS)


@dataclass
class BuildResult:
    """What a build produced (or, with ``check``, which published files differ from it)."""

    tables: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def build(root: Path, *, check: bool = False, progress: Callable[[str], None] = lambda _: None) -> BuildResult:
    """Build the package of the checkout at ``root``.

    Raises ProblemsFound when raw/ or the outputs fail a check, when a file cannot be written (a full
    disk, a read-only folder) or when a signal stops the build: the published files are then the old
    ones, whole. With ``check``, publishes nothing and lists the published files that differ from a
    fresh build. Either way it first finishes a publish a killed build left half done, and removes
    the staging folders killed builds left behind.
    """
    from . import publish

    root = root.resolve()
    try:
        with publish.interruptible(), publish.locked(root):
            staging = publish.stage(root)
            try:
                result = _build_into(root, staging, progress)
                if check:
                    result.stale = _differences(root, staging, result.files)
                else:
                    _publish(root, staging)
                    progress(f"published {len(result.files)} files: {', '.join(PUBLISHED)}")
            finally:
                publish.discard(root, staging)
    except publish.Interrupted as stop:
        raise ProblemsFound([publish.interrupted_problem(stop)]) from None
    except publish.PublishError as failure:
        raise ProblemsFound([failure.problem()]) from None
    except (OSError, sqlite3.OperationalError) as failure:
        fault = publish.storage_fault(failure)
        if fault is None:
            raise
        raise ProblemsFound([publish.write_problem(root, fault)]) from None
    return result


def _build_into(root: Path, staging: Path, progress: Callable[[str], None]) -> BuildResult:
    from .check import check_foreign_keys, check_schemas, check_values, frame, to_typed
    from .datapackage import describe_package, published_schema, schema_path
    from .formats import PACKAGE_FORMATS, TABLE_FORMATS, Outputs
    from .geo import SOURCE_LABEL
    from .metadata import load_project
    from .read_raw import read_raw_table
    from .rules import Tables, check_rules
    from .schemas import load_order
    from .site import write_map_svg
    from .validate import validate_package

    project = load_project(root)
    schemas = project.schemas
    raise_if(check_schemas(schemas))
    progress(f"checked the metadata of {len(schemas)} tables")
    labels = {name: f"raw/{name}.csv" for name in schemas}
    problems: list[Problem] = []
    frames, lines = {}, {}
    for name in load_order(schemas):
        table, found = read_raw_table(root / labels[name], schemas[name], labels[name])
        problems += found
        if table is not None:
            frames[name], lines[name] = frame(table), table.lines
            problems += check_values(frames[name], lines[name], schemas[name], labels[name])
            progress(f"read {labels[name]}: {len(table.rows)} rows")
    readable = {name: schema for name, schema in schemas.items()
                if name in frames
                and all((fk["reference"]["resource"] or name) in frames for fk in schema.foreign_keys)}
    problems += check_foreign_keys(frames, lines, readable, labels)
    raise_if(problems)
    raise_if(check_rules(Tables(frames, lines, labels, root)))

    result = BuildResult()
    (staging / SCHEMA_DIR).mkdir(parents=True)
    typed = {}
    for name, schema in schemas.items():
        typed[name] = to_typed(frames[name], schema)
        for fmt in TABLE_FORMATS:
            fmt.write(typed[name], staging / fmt.path(name), schema)
            result.files.append(fmt.path(name))
        _write_json(staging / schema_path(name), published_schema(schema, project))
        result.files.append(schema_path(name))
        result.tables[name] = len(typed[name])
    sources = typed["sources"].astype(object).where(typed["sources"].notna(), None).to_dict("records")
    outputs = Outputs(root, project.package, schemas, typed, [{"title": s["title"], "path": s["url"]} for s in sources])
    for fmt in PACKAGE_FORMATS:
        fmt.write(outputs, staging / fmt.path())
        result.files += [fmt.path()] + [f"build/{name}" for name in fmt.companions]
    _write_json(staging / "datapackage.json", describe_package(project, staging, sources))
    result.files.append("datapackage.json")
    for path, text in _documents(project, typed).items():
        (staging / path).parent.mkdir(parents=True, exist_ok=True)
        (staging / path).write_text(text, encoding="utf-8")
        result.files.append(path)
    write_map_svg(staging, root / SOURCE_LABEL, staging / MAP)
    result.files.append(MAP)
    progress(f"wrote {len(result.files)} files; validating them")
    report = validate_package(staging / "datapackage.json")
    raise_if(report.problems)
    return result


def _documents(project, typed: dict) -> dict[str, str]:
    """The generated documents, by path: the data dictionary and the error reference."""
    from .dictionary import render_dictionary
    from .errors_doc import render_errors

    return {DICTIONARY: render_dictionary(project.package, project.version, project.schemas, typed),
            ERRORS: render_errors()}


def _write_json(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _differences(root: Path, staging: Path, files: list[str]) -> list[str]:
    """Published files that are missing, differ from the fresh build, or should not be there."""
    stale = [f for f in files if not (root / f).is_file() or (root / f).read_bytes() != (staging / f).read_bytes()]
    published = root / "build"
    if published.is_dir():
        stale += sorted(p.relative_to(root).as_posix() for p in published.rglob("*")
                        if p.is_file() and p.relative_to(root).as_posix() not in files)
    return stale


def _publish(root: Path, staging: Path) -> None:
    """Put the staged build/, datapackage.json and generated documents in place of the published ones, all or none."""
    from .publish import publish

    publish(root, staging, PUBLISHED)
