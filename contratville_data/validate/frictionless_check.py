"""frictionless, on the resources this package cannot prove valid itself; its errors become problems.

frictionless reads the schemas validate has already read and checked (inline, so it opens no
schema file itself), without their patterns, which a check of its checklist matches with RE2
instead (``patterns``); Python's csv module holds it to the shared cell bound while it runs.
"""

from __future__ import annotations

from pathlib import Path

from ..problems import Problem
from .cells import csv_cell_bound
from .descriptor import shorten
from .patterns import re2_check, string_patterns, without_patterns


def frictionless_problems(descriptor: dict, pending: list[str], root: Path, max_rows, max_problems,
                          schemas: dict[str, dict] | None = None) -> list[Problem]:
    """frictionless's report on the named resources; sizes and hashes are checked elsewhere.

    ``schemas`` maps a resource name to its Table Schema as validate read it. The package
    frictionless sees holds every resource, so that a foreign key may reference any of them.
    Whatever frictionless raises on a hostile package is a problem, not a traceback.
    """
    if not pending:
        return []
    from frictionless import Checklist, FrictionlessException, Package

    schemas = schemas or {}
    resources = []
    for resource in descriptor["resources"]:
        copied = {k: v for k, v in resource.items() if k not in ("bytes", "hash")}
        if resource["name"] in schemas:
            copied["schema"] = without_patterns(schemas[resource["name"]])
        resources.append(copied)
    try:
        package = Package({**descriptor, "resources": resources}, basepath=str(root))
        package.to_descriptor(validate=True)  # the metadata check Package.validate starts with
    except FrictionlessException as err:
        return [Problem(e.type, shorten(e.message), file="datapackage.json") for e in err.to_errors()]
    except Exception as err:  # noqa: BLE001 - frictionless raises many types on hostile descriptors
        return [Problem("package-error", shorten(f"frictionless cannot open the package: {err}"),
                        file="datapackage.json")]
    problems = []
    with csv_cell_bound():
        for name in pending:
            checklist = Checklist(checks=[re2_check(string_patterns(schemas.get(name, {})))])
            try:
                report = package.validate(checklist, name=name, limit_errors=max_problems, limit_rows=max_rows)
                problems += _problems(report)
            except Exception as err:  # noqa: BLE001
                problems.append(Problem("resource-error", shorten(f"frictionless cannot read the resource: {err}"),
                                        resource=name))
    return problems


def _problems(report) -> list[Problem]:
    """A frictionless report as problems."""
    problems = [Problem(e.type, shorten(e.message), file="datapackage.json") for e in report.errors]
    for task in report.tasks:
        for error in task.errors:
            fields = getattr(error, "field_names", None) or [getattr(error, "field_name", None)]
            cells = getattr(error, "field_cells", None) or [getattr(error, "cell", None)]
            line = getattr(error, "row_number", None)
            problems.append(Problem(
                error.type, shorten(error.message), resource=task.name, file=task.place, line=line,
                row=line - 1 if line else None, field=",".join(f for f in fields if f) or None,
                value=shorten(",".join(str(c) for c in cells if c is not None))
                if any(c is not None for c in cells) else None,
            ))
    return problems
