"""Check table values against their Table Schema, and convert them to typed columns.

Every cell first meets the text policy (``text_policy``); type, constraint and key checks then run on
the cells that passed it. Checks are vectorised with pandas (the text policy once per distinct value),
so they scale to large tables.
"""

from __future__ import annotations

import functools

import pandas as pd

from .problems import Problem
from .schemas import TableSchema, csv_example
from .text_policy import QUOTED_CHARS, ascii_digit_hint, caseless, check_text, is_url_field

#: The written form of each type: ASCII digits only, no "-0", no leading zero, no separator.
_TYPE_PATTERNS = {
    "integer": (r"0|-?[1-9][0-9]*", "an integer (ASCII digits, no leading zero, no separator, no -0)"),
    "number": (r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?", "a number with a dot as decimal separator"),
    "boolean": (r"true|false", "true or false"),
    "date": (r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "a date written YYYY-MM-DD"),
}
#: The range of the 64-bit integers every reader (Parquet, pandas, SQL databases) holds exactly.
INT64 = (-(2**63), 2**63 - 1)


def check_schemas(schemas: dict[str, TableSchema]) -> list[Problem]:
    """Each resolved Table Schema against the Table Schema standard (frictionless's profile)."""
    from frictionless import Schema

    problems = []
    for schema in schemas.values():
        for error in Schema.metadata_validate(schema.descriptor):
            problems.append(Problem("metadata-profile", error.message, file=f"schemas/{schema.path.name}",
                                    hint="see the Table Schema standard: https://datapackage.org/standard/table-schema/"))
    return problems


def matches(s: pd.Series, pattern: str) -> pd.Series:
    """Whether each present value matches the whole ``pattern``, with RE2 (linear time, whatever the pattern)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(s.astype(object).where(s.notna(), None), type=pa.string())
    matched = pc.match_substring_regex(array, f"^(?:{pattern})$")
    return pd.Series(matched.to_numpy(zero_copy_only=False), index=s.index, dtype="boolean")


def _numbers(s: pd.Series, kind: str) -> pd.Series:
    """Checked integer or number cells as exact Int64 (or Float64), missing cells as NA."""
    return s.map(int if kind == "integer" else float, na_action="ignore").astype(
        "Int64" if kind == "integer" else "Float64")


def _iso_date(value: str):
    import datetime

    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def frame(table) -> pd.DataFrame:
    """A DataFrame of strings (missing cells as NA) from a RawTable."""
    return pd.DataFrame(table.rows, columns=table.columns, dtype="string")


def check_values(df: pd.DataFrame, lines: list[int], schema: TableSchema, label: str) -> list[Problem]:
    """Every cell-level and table-level problem of one table (text policy, types, constraints, keys)."""
    line_of = pd.Series(lines, index=df.index)
    problems: list[Problem] = []

    def report(mask, kind, column, message, hint=None):
        for index in mask[mask.fillna(False)].index:
            value = df.at[index, column]
            problems.append(Problem(kind, message, file=label, line=int(line_of[index]), field=column,
                                    value=None if pd.isna(value) else _shown(value), hint=hint))

    def report_unlike(mask, kind, column, message, hint):
        """Report ``mask``'s cells, naming the first non-ASCII character of those that hold one."""
        for index in mask[mask.fillna(False)].index:
            value = str(df.at[index, column])
            found = ascii_digit_hint(value)
            problems.append(Problem(kind, message + (f"; {found[1]}" if found else ""), file=label,
                                    line=int(line_of[index]), field=column, value=_shown(value),
                                    position=found[0] if found else None, hint=hint))

    for field in schema.fields:
        name, kind = field["name"], field["type"]
        constraints = field.get("constraints", {})
        s = df[name]
        present = s.notna()
        required = constraints.get("required") or name in schema.primary_key
        if required:
            report(~present, "constraint-error", name, "value is required (constraint required)",
                   hint=f"fill in {field['title']!r}, e.g. {csv_example(field)}")
        present = present & ~_text_policy(s, field, label, line_of, problems)
        if kind in _TYPE_PATTERNS:
            pattern, wording = _TYPE_PATTERNS[kind]
            bad = present & ~matches(s, pattern).fillna(False)
            if kind == "date":
                bad = bad | (present & ~bad & s.where(present & ~bad).map(_iso_date, na_action="ignore").isna())
            report_unlike(bad, "type-error", name, f"not {wording}", f"write it like {csv_example(field)}")
            if kind in ("integer", "number"):
                beyond = present & ~bad & ~s.where(present & ~bad).map(
                    _in_range if kind == "integer" else _finite, na_action="ignore").astype("boolean").fillna(True)
                report(beyond, "type-error", name, "beyond the 64-bit integer range" if kind == "integer"
                       else "too large to be held as a 64-bit floating-point number",
                       hint=f"an integer lies between {INT64[0]} and {INT64[1]}" if kind == "integer"
                       else "write the number within ±1.7e308")
                bad = bad | beyond
            present = present & ~bad
        if "pattern" in constraints:
            report_unlike(present & ~matches(s, constraints["pattern"]).fillna(False), "constraint-error", name,
                          f"does not match the pattern {constraints['pattern']} (constraint pattern)",
                          f"write it like {csv_example(field)}")
        if "enum" in constraints:
            allowed = {_typed(str(v), kind) for v in constraints["enum"]}
            typed = s.where(present).map(functools.partial(_typed, kind=kind), na_action="ignore")
            outside = present & ~typed.isin(allowed)
            report(outside, "constraint-error", name, "not one of the allowed values (constraint enum)",
                   hint="use one of: " + ", ".join(map(str, constraints["enum"])))
        if kind in ("integer", "number") and ({"minimum", "maximum"} & constraints.keys()):
            numbers = _numbers(s.where(present), kind)
            if "minimum" in constraints:
                report(numbers < constraints["minimum"], "constraint-error", name,
                       f"below the minimum {constraints['minimum']} (constraint minimum)")
            if "maximum" in constraints:
                report(numbers > constraints["maximum"], "constraint-error", name,
                       f"above the maximum {constraints['maximum']} (constraint maximum)")
        if field.get("identifier") == "siren":
            ok = s.where(present).map(_valid_siren, na_action="ignore").astype("boolean")
            report(present & ~ok.fillna(True), "check-digit", name, "not a valid SIREN (Luhn check digit fails)",
                   hint="copy the nine digits again from the source")
        if constraints.get("unique"):  # text refused by the text policy still counts: it is compared caseless NFC
            problems += _repeated(s if kind == "string" else s.where(present), kind, line_of, label, name)
    problems += _check_primary_key(df, line_of, schema, label)
    return problems


def _shown(value) -> str:
    """A cell as a problem quotes it: whole, or its first characters when it is long."""
    text = str(value)
    return text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + "…"


def _text_policy(s: pd.Series, field: dict, label: str, line_of: pd.Series, problems: list[Problem]) -> pd.Series:
    """Report every cell that breaks the text policy; return which cells do."""
    text, url = field["type"] == "string", is_url_field(field["name"])
    findings = {value: check_text(value, text=text, url=url) for value in s.dropna().unique()}
    flagged = [value for value, found in findings.items() if found]
    for index, value in s[s.isin(flagged)].items():
        for finding in findings[value]:
            problems.append(Problem(finding.type, finding.message, file=label, line=int(line_of[index]),
                                    field=field["name"], value=_shown(value), position=finding.position,
                                    hint=finding.hint))
    return s.map(lambda value: bool(findings[value]), na_action="ignore").astype("boolean").fillna(False)


def _in_range(value: str) -> bool:
    return INT64[0] <= int(value) <= INT64[1]


def _finite(value: str) -> bool:
    import math

    return math.isfinite(float(value))


def _typed(value: str, kind: str):
    """A checked cell as the value it stands for, so that values compare as the schema's type does."""
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    return value


def _comparable(s: pd.Series, kind: str) -> pd.Series:
    """Cells in the form uniqueness compares them in: typed numbers, caseless NFC text (and unreadable numbers)."""
    def key(value: str):
        try:
            return _typed(value, kind) if kind in ("integer", "number") else caseless(value)
        except ValueError:
            return caseless(value)
    return s.map(key, na_action="ignore")


def _repeated(s: pd.Series, kind: str, line_of: pd.Series, label: str, name: str) -> list[Problem]:
    """A unique column's repeated values, compared ignoring case and Unicode form (numbers by value)."""
    keys = _comparable(s, kind)
    first: dict = {}
    problems = []
    for index, key in keys.dropna().items():
        if key not in first:
            first[key] = index
            continue
        original = s[first[key]]
        same = "" if original == s[index] else (f" as {original!r} (values are compared ignoring case and "
                                                "Unicode form)" if kind not in ("integer", "number")
                                                else f" as {original!r}")
        problems.append(Problem("unique-error", f"value already used on line {line_of[first[key]]}{same}",
                                file=label, line=int(line_of[index]), field=name, value=_shown(s[index]),
                                hint="each value may appear once in this column"))
    return problems


def _valid_siren(value: str) -> bool:
    from stdnum.fr import siren

    return siren.is_valid(value)


def _check_primary_key(df, lines, schema, label) -> list[Problem]:
    key = schema.primary_key
    if len(key) == 1:
        return []  # a single-field key is reported by the field's `unique` check
    complete = df[key].notna().all(axis=1)
    keys = pd.DataFrame({name: _comparable(df[name], schema.field(name)["type"]) for name in key})
    first_line: dict[tuple, int] = {}
    problems = []
    for index in df.index[complete]:
        values = tuple(keys.loc[index])
        if values in first_line:
            problems.append(Problem("primary-key", f"primary key ({', '.join(key)}) already used on line "
                                    f"{first_line[values]} (values are compared ignoring case and Unicode form)",
                                    file=label, line=int(lines[index]), field=",".join(key),
                                    value=_shown(",".join(map(str, df.loc[index, key]))),
                                    hint="remove the duplicated row or correct its key"))
        else:
            first_line[values] = int(lines[index])
    return problems


def check_foreign_keys(frames: dict[str, pd.DataFrame], lines: dict[str, list[int]],
                       schemas: dict[str, TableSchema], labels: dict[str, str]) -> list[Problem]:
    """Every value of a foreign key must exist in the table it references."""
    problems = []
    for name, schema in schemas.items():
        df = frames[name]
        for fk in schema.foreign_keys:
            target = fk["reference"]["resource"] or name  # "" references the table itself
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
            typed[name] = _numbers(s, field["type"]).astype(dtypes[name])
        elif field["type"] == "boolean":
            typed[name] = s.map({"true": True, "false": False}, na_action="ignore").astype(dtypes[name])
        elif field["type"] == "date":
            typed[name] = s.map(_iso_date, na_action="ignore").astype(dtypes[name])
        else:
            typed[name] = s.astype(dtypes[name])
    out = pd.DataFrame(typed)
    return out.sort_values(schema.primary_key, kind="stable", ignore_index=True)

