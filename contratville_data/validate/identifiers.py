"""Identifiers whose check digit a Table Schema cannot express: fields annotated ``"identifier": "siren"``."""

from __future__ import annotations

from ..problems import Problem


def siren_problems(resource: dict, schema, table) -> list[Problem]:
    """SIRENs must pass their Luhn check digit; frictionless checks only the nine-digit pattern."""
    import pyarrow.compute as pc
    from stdnum.fr import siren

    problems: list[Problem] = []
    if table is None or not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return problems
    for field in schema["fields"]:
        if not isinstance(field, dict) or field.get("identifier") != "siren" \
                or field.get("name") not in table.column_names:
            continue
        column = table[field["name"]].cast("string")
        for value in pc.unique(column).to_pylist():
            if value is None or len(value) != 9 or not (value.isascii() and value.isdigit()) \
                    or siren.is_valid(value):
                continue
            for index in pc.indices_nonzero(pc.fill_null(pc.equal(column, value), False)).to_pylist():
                problems.append(Problem("check-digit", "not a valid SIREN (Luhn check digit fails)",
                                        resource=resource.get("name"), file=resource["path"], row=index + 1,
                                        line=index + 2, field=field["name"], value=value))
    return problems
