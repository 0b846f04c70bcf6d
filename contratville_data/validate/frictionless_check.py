"""frictionless, on the resources this package cannot prove valid itself; its errors become problems."""

from __future__ import annotations

from pathlib import Path

from ..problems import Problem


def frictionless_problems(descriptor: dict, pending: list[str], root: Path, max_rows, max_problems) -> list[Problem]:
    """frictionless's report on the named resources; sizes and hashes are checked elsewhere.

    The package frictionless sees holds every resource, so that a foreign key may reference any of
    them. Whatever frictionless raises on a hostile package is a problem, not a traceback.
    """
    from frictionless import FrictionlessException, Package

    if not pending:
        return []
    resources = [{k: v for k, v in r.items() if k not in ("bytes", "hash")} for r in descriptor["resources"]]
    try:
        package = Package({**descriptor, "resources": resources}, basepath=str(root))
        package.to_descriptor(validate=True)  # the metadata check Package.validate starts with
    except FrictionlessException as err:
        return [Problem(e.type, e.message, file="datapackage.json") for e in err.to_errors()]
    except Exception as err:  # noqa: BLE001 - frictionless raises many types on hostile descriptors
        return [Problem("package-error", f"frictionless cannot open the package: {err}", file="datapackage.json")]
    problems = []
    for name in pending:
        try:
            problems += _problems(package.validate(name=name, limit_errors=max_problems, limit_rows=max_rows))
        except Exception as err:  # noqa: BLE001
            problems.append(Problem("resource-error", f"frictionless cannot read the resource: {err}",
                                    resource=name))
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
