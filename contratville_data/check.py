"""Check table values against their Table Schema, and convert them to typed columns.

Checks are vectorised with pandas, so they scale to large tables.
"""

from __future__ import annotations

import pandas as pd

from .problems import Problem
from .schemas import TYPE_MAP, TableSchema, csv_example

#: Characters that make a spreadsheet run a cell as a formula (CSV injection).
FORMULA_START = r"^[=+\-@\t\r]"
#: Control characters no published cell may hold (line breaks inside quoted cells are allowed).
CONTROL = r"[\x00-\x09\x0b-\x1f\x7f]"
_TYPE_PATTERNS = {
    "integer": (r"-?(0|[1-9]\d*)", "an integer (digits only, no leading zero, no separator)"),
    "number": (r"-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?", "a number with a dot as decimal separator"),
    "boolean": (r"true|false", "true or false"),
    "date": (r"\d{4}-\d{2}-\d{2}", "a date written YYYY-MM-DD"),
}


def check_schemas(schemas: dict[str, TableSchema]) -> list[Problem]:
    """Each Table Schema against the Table Schema profile, with types this package maps and keys that resolve."""
    from frictionless import Schema

    problems = []
    for name, schema in schemas.items():
        label = f"schemas/{schema.path.name}"
        for error in Schema.metadata_validate(schema.descriptor):
            problems.append(Problem("schema", error.message, file=label))
        for field in schema.fields:
            if field.get("type") not in TYPE_MAP:
                problems.append(Problem("schema", "type not supported by this package", file=label,
                                        field=field.get("name"), value=str(field.get("type")),
                                        hint="use one of: " + ", ".join(TYPE_MAP)))
        for fk in schema.foreign_keys:
            target = schemas.get(fk["reference"]["resource"])
            if target is None or fk["reference"]["fields"] != target.primary_key:
                problems.append(Problem("schema", "foreign key does not point at a table's primary key",
                                        file=label, field=",".join(fk["fields"]),
                                        value=f"{fk['reference']['resource']}.{','.join(fk['reference']['fields'])}"))
    return problems


def frame(table) -> pd.DataFrame:
    """A DataFrame of strings (missing cells as NA) from a RawTable."""
    return pd.DataFrame(table.rows, columns=table.columns, dtype="string")


def check_values(df: pd.DataFrame, lines: list[int], schema: TableSchema, label: str) -> list[Problem]:
    """Every cell-level and table-level problem of one table (types, constraints, keys)."""
    lines = pd.Series(lines, index=df.index)
    problems: list[Problem] = []

    def report(mask, kind, column, message, hint=None):
        for index in mask[mask.fillna(False)].index:
            value = df.at[index, column]
            problems.append(Problem(kind, message, file=label, line=int(lines[index]), field=column,
                                    value=None if pd.isna(value) else str(value), hint=hint))

    for field in schema.fields:
        name, kind = field["name"], field["type"]
        constraints = field.get("constraints", {})
        s = df[name]
        present = s.notna()
        required = constraints.get("required") or name in schema.primary_key
        if required:
            report(~present, "required", name, "value is required",
                   hint=f"fill in {field['title']!r}, e.g. {csv_example(field)}")
        report(present & (s.str.strip() != s), "whitespace", name, "leading or trailing spaces",
               hint="remove the spaces around the value")
        report(present & s.str.contains(CONTROL, regex=True), "control-character", name,
               "contains a control character (such as a NUL, a bell or a stray carriage return)",
               hint="retype the value; such characters are invisible in most editors")
        if kind == "string":
            report(present & s.str.match(FORMULA_START), "formula", name,
                   "text starts with a character that makes a spreadsheet run it as a formula",
                   hint="reword the value so that it does not start with =, +, -, @, tab or carriage return")
        if kind in _TYPE_PATTERNS:
            pattern, wording = _TYPE_PATTERNS[kind]
            bad = present & ~s.str.fullmatch(pattern).fillna(False)
            if kind == "date":
                parsed = pd.to_datetime(s.where(~bad), format="%Y-%m-%d", errors="coerce")
                bad = bad | (present & ~bad & parsed.isna())
            report(bad, "type", name, f"not {wording}", hint=f"write it like {csv_example(field)}")
            present = present & ~bad
        if "pattern" in constraints:
            report(present & ~s.str.fullmatch(constraints["pattern"]).fillna(False), "pattern", name,
                   f"does not match the pattern {constraints['pattern']}",
                   hint=f"write it like {csv_example(field)}")
        if "enum" in constraints:
            report(present & ~s.isin(constraints["enum"]), "enum", name, "not one of the allowed values",
                   hint="use one of: " + ", ".join(map(str, constraints["enum"])))
        if kind in ("integer", "number") and ({"minimum", "maximum"} & constraints.keys()):
            numbers = pd.to_numeric(s.where(present), errors="coerce")
            if "minimum" in constraints:
                report(numbers < constraints["minimum"], "minimum", name,
                       f"below the minimum {constraints['minimum']}")
            if "maximum" in constraints:
                report(numbers > constraints["maximum"], "maximum", name,
                       f"above the maximum {constraints['maximum']}")
        if field.get("identifier") == "siren":
            ok = s.where(present).map(_valid_siren, na_action="ignore").astype("boolean")
            report(present & ~ok.fillna(True), "check-digit", name, "not a valid SIREN (Luhn check digit fails)",
                   hint="copy the nine digits again from the source")
        if constraints.get("unique"):
            repeated = present & s.duplicated(keep="first")
            first = lines.groupby(s.where(present)).transform("min")
            for index in repeated[repeated].index:
                problems.append(Problem("unique", f"value already used on line {first[index]}", file=label,
                                        line=int(lines[index]), field=name, value=str(s[index]),
                                        hint="each value may appear once in this column"))
    problems += _check_primary_key(df, lines, schema, label)
    return problems


def _valid_siren(value: str) -> bool:
    from stdnum.fr import siren

    return siren.is_valid(value)


def _check_primary_key(df, lines, schema, label) -> list[Problem]:
    key = schema.primary_key
    if len(key) == 1:
        return []  # a single-field key is reported by the field's `unique` check
    duplicated = df.duplicated(subset=key, keep="first") & df[key].notna().all(axis=1)
    first_line = {}
    problems = []
    for index in df.index:
        values = tuple(df.loc[index, key])
        if duplicated[index]:
            problems.append(Problem("primary-key", f"primary key ({', '.join(key)}) already used on line "
                                    f"{first_line[values]}", file=label, line=int(lines[index]),
                                    field=",".join(key), value=",".join(map(str, values)),
                                    hint="remove the duplicated row or correct its key"))
        else:
            first_line.setdefault(values, int(lines[index]))
    return problems


def check_foreign_keys(frames: dict[str, pd.DataFrame], lines: dict[str, list[int]],
                       schemas: dict[str, TableSchema], labels: dict[str, str]) -> list[Problem]:
    """Every value of a foreign key must exist in the table it references."""
    problems = []
    for name, schema in schemas.items():
        df = frames[name]
        for fk in schema.foreign_keys:
            target = fk["reference"]["resource"]
            child, parent = fk["fields"], fk["reference"]["fields"]
            present = df[child].notna().all(axis=1)
            keys = set(map(tuple, frames[target][parent].astype(str).itertuples(index=False)))
            values = df[child].astype(str).itertuples(index=False)
            for index, value, ok in zip(df.index, values, present):
                if ok and tuple(value) not in keys:
                    problems.append(Problem("foreign-key", f"not found in {target}.{','.join(parent)}",
                                            file=labels[name], line=int(lines[name][index]),
                                            field=",".join(child), value=",".join(value),
                                            hint=f"use a value present in the {target} table, or add it there first"))
    return problems


def to_typed(df: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """Convert checked string columns to the dtypes the schema implies, rows sorted by primary key."""
    dtypes = schema.pandas_dtypes()
    typed = {}
    for field in schema.fields:
        name, s = field["name"], df[field["name"]]
        if field["type"] in ("integer", "number"):
            typed[name] = pd.to_numeric(s).astype(dtypes[name])
        elif field["type"] == "boolean":
            typed[name] = s.map({"true": True, "false": False}, na_action="ignore").astype(dtypes[name])
        elif field["type"] == "date":
            typed[name] = pd.to_datetime(s, format="%Y-%m-%d").dt.date.astype(dtypes[name])
        else:
            typed[name] = s.astype(dtypes[name])
    out = pd.DataFrame(typed)
    return out.sort_values(schema.primary_key, kind="stable", ignore_index=True)

