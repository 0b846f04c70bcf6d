"""Table Schema patterns, matched in linear time by RE2 (Arrow's engine) instead of Python's ``re``.

frictionless matches a field's ``pattern`` with Python's backtracking engine, where ``^(a+)+$`` takes
minutes on a 33-character cell. So frictionless gets schemas without patterns, and a check of its
checklist (``re2_check``) matches the cells it reads, a batch of rows at a time, with RE2: the
same cells, the same anchoring (``^pattern$`` from the start of the cell), the same error. A
pattern RE2 cannot take (backreferences, lookarounds) is refused; RE2's ``\\d`` and ``$`` are the
ASCII digits and the very end of the cell, which is what a code's pattern means.
"""

from __future__ import annotations

import copy

from ..problems import Problem

#: Rows matched at once: the batch is held in memory.
BATCH_ROWS = 4096


def anchored(pattern: str) -> str:
    """The pattern as frictionless applies it: ``re.match("^pattern$")``."""
    return f"^(?:^{pattern}$)"


def string_patterns(schema: dict) -> dict[str, str]:
    """Field name -> pattern, for the string fields of a schema that declare one."""
    fields = schema.get("fields") if isinstance(schema, dict) else None
    found = {}
    for field in fields if isinstance(fields, list) else []:
        constraints = field.get("constraints") if isinstance(field, dict) else None
        if isinstance(constraints, dict) and "pattern" in constraints and field.get("type", "string") == "string" \
                and isinstance(field.get("name"), str):
            found[field["name"]] = constraints["pattern"]
    return found


def pattern_problems(resource: dict, schema: dict) -> list[Problem]:
    """Patterns RE2 cannot compile (or that are not text), each a problem."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..csvproof import string_array

    problems = []
    for name, pattern in string_patterns(schema).items():
        reason = None
        if not isinstance(pattern, str):
            reason = "a pattern must be text"
        else:
            try:
                pc.match_substring_regex(string_array([""]), anchored(pattern))  # pa.array would import pandas
            except pa.ArrowException as err:
                reason = f"RE2 cannot compile it ({str(err).splitlines()[0][:200]})"
        if reason:
            problems.append(Problem("unsafe-pattern", reason, resource=resource.get("name"), field=name,
                                    value=str(pattern)[:200], hint="write the pattern without backreferences or "
                                    "lookarounds: validate matches patterns with RE2, in linear time"))
    return problems


def without_patterns(schema: dict) -> dict:
    """A copy of the schema whose string fields declare no pattern, for frictionless."""
    names = set(string_patterns(schema))
    copied = copy.deepcopy(schema)
    for field in copied.get("fields", []):
        if isinstance(field, dict) and field.get("name") in names:
            field["constraints"] = {k: v for k, v in field["constraints"].items() if k != "pattern"}
    return copied


def re2_check(patterns: dict[str, str]):
    """A frictionless check reporting the cells that do not match their field's pattern, matched with RE2."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from frictionless import Check, errors

    class Re2Patterns(Check):
        type = "re2-patterns"
        Errors = [errors.ConstraintError]

        def connect(self, resource):
            super().connect(resource)
            self.rows: list = []

        def validate_row(self, row):
            self.rows.append(row)
            if len(self.rows) >= BATCH_ROWS:
                yield from self.flush()

        def validate_end(self):
            yield from self.flush()

        def flush(self):
            rows, self.rows = self.rows, []
            for name, pattern in patterns.items():
                if name not in rows[0].field_names if rows else True:
                    continue
                values = [row[name] if isinstance(row[name], str) else None for row in rows]
                matched = pc.match_substring_regex(pa.array(values, pa.string()), anchored(pattern))
                for index in pc.indices_nonzero(pc.invert(pc.fill_null(matched, True))).to_pylist():
                    yield errors.ConstraintError.from_row(rows[index], note=f'constraint "pattern" is "{pattern}"',
                                                          field_name=name)

    return Re2Patterns()
