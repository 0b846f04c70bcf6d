"""raw/ -> build/ + datapackage.json: read, check, write to a temporary folder, validate, publish."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .problems import Problem, ProblemsFound

#: The generated data dictionary, relative to the project root.
DICTIONARY = "docs/data-dictionary.md"


@dataclass
class BuildResult:
    """What a build produced (or, with ``check``, which published files differ from it)."""

    tables: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def build(root: Path, *, check: bool = False, progress: Callable[[str], None] = lambda _: None) -> BuildResult:
    """Build the package of the checkout at ``root``.

    Raises ProblemsFound (nothing published changes) when raw/ or the outputs fail a check.
    With ``check``, publishes nothing and lists the published files that differ from a fresh build.
    """
    from filelock import FileLock

    root = root.resolve()
    with FileLock(str(root / ".build.lock")):
        with tempfile.TemporaryDirectory(prefix=".build-", dir=root) as tmp:
            staging = Path(tmp)
            result = _build_into(root, staging, progress)
            if check:
                result.stale = _differences(root, staging, result.files)
            else:
                _publish(root, staging)
                progress(f"published {len(result.files)} files: build/, datapackage.json, {DICTIONARY}")
    return result


def _build_into(root: Path, staging: Path, progress: Callable[[str], None]) -> BuildResult:
    from .check import check_foreign_keys, check_schemas, check_values, frame, to_typed
    from .describe import describe_package
    from .dictionary import render_dictionary
    from .metadata import package_metadata, project_version
    from .read_raw import read_raw_table
    from .rules import check_rules
    from .schemas import load_order, load_schemas
    from .validate import validate_package
    from .write import write_csv, write_parquet

    schemas = load_schemas(root / "schemas")
    _raise_if(check_schemas(schemas))
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
                if name in frames and all(fk["reference"]["resource"] in frames for fk in schema.foreign_keys)}
    problems += check_foreign_keys(frames, lines, readable, labels)
    _raise_if(problems)
    problems += check_rules(frames, lines, labels)
    _raise_if(problems)

    result = BuildResult()
    (staging / "build").mkdir()
    typed = {}
    for name, schema in schemas.items():
        typed[name] = to_typed(frames[name], schema)
        write_csv(typed[name], staging / "build" / f"{name}.csv", schema)
        write_parquet(typed[name], staging / "build" / f"{name}.parquet", schema)
        result.tables[name] = len(typed[name])
        result.files += [f"build/{name}.csv", f"build/{name}.parquet"]
    sources = typed["sources"].astype(object).where(typed["sources"].notna(), None).to_dict("records")
    descriptor = describe_package(root, staging, schemas, sources)
    shutil.copytree(root / "schemas", staging / "schemas")
    (staging / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
    result.files.append("datapackage.json")
    (staging / "docs").mkdir()
    (staging / DICTIONARY).write_text(render_dictionary(package_metadata(root), project_version(root), schemas, typed),
                                      encoding="utf-8")
    result.files.append(DICTIONARY)
    progress(f"wrote {len(result.files)} files; validating them")
    report = validate_package(staging / "datapackage.json")
    _raise_if(report.problems)
    return result


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise ProblemsFound(problems)


def _differences(root: Path, staging: Path, files: list[str]) -> list[str]:
    """Published files that are missing, differ from the fresh build, or should not be there."""
    stale = [f for f in files if not (root / f).is_file() or (root / f).read_bytes() != (staging / f).read_bytes()]
    published = root / "build"
    if published.is_dir():
        stale += sorted(p.relative_to(root).as_posix() for p in published.iterdir()
                        if p.relative_to(root).as_posix() not in files)
    return stale


def _publish(root: Path, staging: Path) -> None:
    """Swap the staged build/, datapackage.json and data dictionary in place of the published ones."""
    old = staging / "previous-build"
    if (root / "build").exists():
        os.replace(root / "build", old)
    os.replace(staging / "build", root / "build")
    os.replace(staging / "datapackage.json", root / "datapackage.json")
    (root / DICTIONARY).parent.mkdir(exist_ok=True)
    os.replace(staging / DICTIONARY, root / DICTIONARY)
