"""Identifiers whose check digit a Table Schema cannot express: fields annotated ``"identifier": "siren"``.

The check digit is computed for a whole column at once (``luhn.check_digit_fails``), not value by value.
"""

from __future__ import annotations

from ..problems import Problem


def siren_fields(schema, names: list[str]) -> list[str]:
    """The fields of ``names`` the schema annotates as SIRENs."""
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return []
    return [f["name"] for f in schema["fields"] if isinstance(f, dict) and f.get("identifier") == "siren"
            and f.get("name") in names]


def siren_problems(resource: dict, schema, table, offset: int = 0) -> list[Problem]:
    """SIRENs must pass their Luhn check digit; frictionless checks only the nine-digit pattern.

    ``table`` is an Arrow table or batch (or None) whose first row is row ``offset`` of the resource.
    """
    import pyarrow.compute as pc

    from ..luhn import check_digit_fails

    problems: list[Problem] = []
    if table is None:
        return problems
    for name in siren_fields(schema, table.schema.names):
        column = table[name].cast("string")
        failing = pc.indices_nonzero(check_digit_fails(column))
        for index, value in zip(failing.to_pylist(), column.take(failing).to_pylist()):
            problems.append(Problem("check-digit", "not a valid SIREN (Luhn check digit fails)",
                                    resource=resource.get("name"), file=resource["path"], row=offset + index + 1,
                                    line=offset + index + 2, field=name, value=value))
    return problems


class SirenCheck:
    """``siren_problems`` batch by batch: called with each batch and the index of its first row."""

    def __init__(self, resource: dict, schema):
        self.resource, self.schema = resource, schema
        self.found: dict[str, list[Problem]] = {}

    def __call__(self, batch, offset: int) -> None:
        for problem in siren_problems(self.resource, self.schema, batch, offset):
            self.found.setdefault(problem.field or "", []).append(problem)

    def problems(self) -> list[Problem]:
        """The problems field by field (in the schema's order), each field's in row order."""
        return [p for field in siren_fields(self.schema, list(self.found)) for p in self.found[field]]
