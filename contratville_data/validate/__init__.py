"""Validate a published package: descriptor, paths, sizes and hashes, CSVs, twins, identifiers.

One module per job: ``descriptor`` reads the descriptor safely (shared with diff, release and the
API), ``paths`` keeps every path inside the package, ``references`` refuses what frictionless would
fetch or open by itself, ``metadata_check`` has frictionless check the descriptor (in a child
process, beside the rest, when frictionless is not imported yet), ``scan`` holds every file to its
bounds before anything parses it,
``integrity`` checks sizes and hashes (in a thread, as soon as the paths are known), ``tables``
streams each file once and proves CSVs valid with Arrow (``csvproof``) where it can,
``frictionless_check`` judges the rest (with ``patterns`` matched by RE2), ``twins`` compares each
Parquet file with its CSV twin, ``identifiers`` checks SIREN check digits. A whole validation runs
``offline`` (unless remote resources are allowed) and within a ``budget`` of time: on untrusted
input it ends, in bounded memory, with problems, never a traceback.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..limits import MAX_COLUMNS, MAX_DESCRIPTOR_BYTES, MAX_FILE_BYTES, MAX_LINE_BYTES, MAX_PROBLEMS, MAX_SECONDS
from ..problems import Problem
from .budget import OutOfTime, time_budget
from .descriptor import read_descriptor
from .integrity import integrity_problems
from .metadata_check import ProfileCheck
from .offline import offline
from .paths import descriptor_reason, is_remote, remote_reason, resolve_inside
from .references import reference_problems
from .scan import Bounds, scan_problems
from .tables import data_problems, import_readers

__all__ = ["MAX_COLUMNS", "MAX_DESCRIPTOR_BYTES", "MAX_FILE_BYTES", "MAX_LINE_BYTES", "MAX_PROBLEMS", "MAX_SECONDS",
           "ValidationReport", "validate_package"]


@dataclass
class ValidationReport:
    """The outcome of a validation: every problem found (up to the bound) and what was checked."""

    descriptor: str | None
    problems: list[Problem] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"valid": self.valid, "descriptor": self.descriptor, "resources": self.resources,
                "problem_count": len(self.problems), "problems": [p.to_dict() for p in self.problems]}


def validate_package(descriptor_path: Path, *, allow_remote: bool = False, max_file_bytes: int = MAX_FILE_BYTES,
                     max_rows: int | None = None, max_problems: int = MAX_PROBLEMS,
                     max_seconds: float | None = MAX_SECONDS, max_line_bytes: int = MAX_LINE_BYTES,
                     max_columns: int = MAX_COLUMNS) -> ValidationReport:
    """Validate the package described by ``descriptor_path``; every stage stops the next when it finds problems.

    Nothing is fetched unless ``allow_remote``; files are held to ``max_file_bytes`` (decompressed),
    ``max_line_bytes`` a line and ``max_columns``; after ``max_seconds`` validation stops with a
    ``time-budget`` problem (in the main thread: see ``budget``).
    """
    report = ValidationReport(str(descriptor_path))
    bounds = Bounds(max_file_bytes, max_line_bytes, max_columns)
    try:
        with time_budget(max_seconds), offline(allow_remote):
            _validate(report, descriptor_path, allow_remote, bounds, max_rows, max_problems)
    except OutOfTime:
        del report.problems[max_problems - 1:]
        report.problems.append(Problem("time-budget", f"validation stopped after {max_seconds} seconds; the "
                                       "problems before this one were found in that time", file=descriptor_path.name,
                                       hint="raise the bound with --max-seconds if you trust the package"))
    del report.problems[max_problems:]
    return report


def _validate(report: ValidationReport, descriptor_path: Path, allow_remote: bool, bounds: Bounds,
              max_rows: int | None, max_problems: int) -> None:
    reason = descriptor_reason(descriptor_path)
    if reason:
        report.problems.append(Problem("unsafe-path", f"the descriptor {reason}", file=descriptor_path.name,
                                       value=str(descriptor_path)[:200]))
        return
    root = descriptor_path.parent.resolve()
    descriptor, report.problems = read_descriptor(descriptor_path)
    if descriptor is None:
        return
    report.resources = [r["name"] for r in descriptor["resources"]]
    local = []
    for resource in descriptor["resources"]:
        found = path_problems(resource, root, allow_remote, bounds.max_bytes)
        report.problems += found
        if not found and not is_remote(resource["path"]):
            local.append(resource)
    if report.problems:
        return
    # Hashing reads each file as a stream and parses nothing: it starts now, beside the checks below.
    hashing, stop = ThreadPoolExecutor(1, thread_name_prefix="integrity"), threading.Event()
    check = None
    try:
        hashed = [hashing.submit(integrity_problems, resource, root / resource["path"], stop) for resource in local]
        report.problems += reference_problems(descriptor, root, allow_remote)
        if report.problems:
            return
        # frictionless's metadata check runs beside the files' checks (see metadata_check); its problems,
        # if any, are the ones reported, as if it had run first
        check = ProfileCheck(descriptor, allow_remote)
        if check.found:
            report.problems += check.found
            return
        readers = ThreadPoolExecutor(1, thread_name_prefix="import")
        readers.submit(import_readers)  # while the files are scanned, mostly outside the GIL
        readers.shutdown(wait=False)
        try:
            found = [p for resource in local for p in scan_problems(resource, root / resource["path"], bounds)]
            if not found:
                found = data_problems(descriptor, local, root, max_rows, max_problems, allow_remote, hashed)
        except Exception:
            if check.problems():
                report.problems += check.problems()
                return
            raise
        report.problems += check.problems() or found
    finally:
        stop.set()
        hashing.shutdown(wait=False, cancel_futures=True)
        if check is not None:
            check.close()


def path_problems(resource: dict, root: Path, allow_remote: bool, max_file_bytes: int) -> list[Problem]:
    """Refuse paths that leave the package folder, remote paths unless allowed, and oversized files."""
    name = resource["name"]
    paths = [("path", resource["path"])]
    if isinstance(resource.get("schema"), str):
        paths.append(("schema", resource["schema"]))
    problems = []
    for key, value in paths:
        if is_remote(value):
            reason = remote_reason(value, allow_remote)
            if reason:
                problems.append(Problem("unsafe-path", f"{key} {reason}", resource=name, value=value[:200],
                                        hint="pass --allow-remote to validate remote resources"
                                        if "--allow-remote" in reason else "name a file inside the package"))
            continue
        target, reason = resolve_inside(root, value)
        if target is None:
            kind = "missing-file" if reason == "not found" else "unsafe-path"
            problems.append(Problem(kind, f"{key} {reason}", resource=name, value=value[:200],
                                    hint="resource and schema paths must name files inside the descriptor's folder"))
        elif target.stat().st_size > max_file_bytes:
            problems.append(Problem("too-large", f"{key} is larger than {max_file_bytes} bytes", resource=name,
                                    value=value[:200],
                                    hint="raise the bound with --max-bytes if you trust the package"))
    return problems
