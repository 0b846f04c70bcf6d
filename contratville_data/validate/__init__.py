"""Validate a published package: descriptor, paths, sizes and hashes, CSVs, twins, identifiers.

One module per job: ``descriptor`` reads the descriptor safely (shared with diff, release and the
API), ``paths`` keeps every path inside the package, ``integrity`` checks sizes and hashes,
``tables`` reads each file once and proves CSVs valid with Arrow (``csvproof``) where it can,
``frictionless_check`` judges the rest, ``twins`` compares each Parquet file with its CSV twin,
``identifiers`` checks SIREN check digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..problems import Problem
from .descriptor import MAX_DESCRIPTOR_BYTES, profile_problems, read_descriptor
from .paths import is_remote, resolve_inside
from .tables import data_problems

__all__ = ["MAX_DESCRIPTOR_BYTES", "MAX_FILE_BYTES", "MAX_PROBLEMS", "ValidationReport", "validate_package"]

#: Default bounds for packages of unknown origin.
MAX_FILE_BYTES = 2 * 1024**3
MAX_PROBLEMS = 1000


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
                     max_rows: int | None = None, max_problems: int = MAX_PROBLEMS) -> ValidationReport:
    """Validate the package described by ``descriptor_path``; every stage stops the next when it finds problems."""
    report = ValidationReport(str(descriptor_path))
    root = descriptor_path.parent.resolve()
    descriptor, report.problems = read_descriptor(descriptor_path)
    if descriptor is None:
        return report
    report.resources = [r["name"] for r in descriptor["resources"]]
    local = []
    for resource in descriptor["resources"]:
        found = path_problems(resource, root, allow_remote, max_file_bytes)
        report.problems += found
        if not found and not is_remote(resource["path"]):
            local.append(resource)
    if not report.problems:
        report.problems += profile_problems(descriptor)
    if not report.problems:
        report.problems += data_problems(descriptor, local, root, max_rows, max_problems)
    del report.problems[max_problems:]
    return report


def path_problems(resource: dict, root: Path, allow_remote: bool, max_file_bytes: int) -> list[Problem]:
    """Refuse paths that leave the package folder, remote paths unless allowed, and oversized files."""
    name = resource["name"]
    paths = [("path", resource["path"])]
    if isinstance(resource.get("schema"), str):
        paths.append(("schema", resource["schema"]))
    problems = []
    for key, value in paths:
        if is_remote(value):
            if not allow_remote:
                problems.append(Problem("unsafe-path", f"remote {key} refused", resource=name, value=value[:200],
                                        hint="pass --allow-remote to validate remote resources"))
            continue
        target, reason = resolve_inside(root, value)
        if target is None:
            kind = "missing-file" if reason == "not found" else "unsafe-path"
            problems.append(Problem(kind, f"{key} {reason}", resource=name, value=value[:200],
                                    hint="resource and schema paths must name files inside the descriptor's folder"))
        elif target.stat().st_size > max_file_bytes:
            problems.append(Problem("too-large", f"{key} is larger than {max_file_bytes} bytes", resource=name,
                                    value=value, hint="raise the bound with --max-bytes if you trust the package"))
    return problems
