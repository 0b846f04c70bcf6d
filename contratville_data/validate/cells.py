"""The shared cell bound (``limits.MAX_CELL_CHARS``) for the readers validate and diff use."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager

from ..limits import MAX_CELL_CHARS
from ..problems import Problem


@contextmanager
def csv_cell_bound() -> Iterator[None]:
    """Python's csv module refuses cells longer than MAX_CELL_CHARS meanwhile.

    The bound is the module's global setting, which frictionless raises to 2**31 when its CSV parser
    is first imported: it is imported here first, and the previous bound restored afterwards.
    """
    import frictionless.formats.csv.parser  # noqa: F401

    previous = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def cell_problems(resource: dict, table) -> list[Problem]:
    """Text cells of an Arrow table longer than the bound (Arrow's CSV reader has none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    problems = []
    for name in table.column_names:
        column = table[name]
        if not pa.types.is_string(column.type) or not len(column):
            continue
        lengths = pc.utf8_length(column)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > MAX_CELL_CHARS:
            index = pc.index(lengths, longest).as_py()
            problems.append(Problem("cell-size", f"a cell of {longest} characters, more than {MAX_CELL_CHARS}",
                                    resource=resource.get("name"), file=resource["path"], row=index + 1,
                                    field=name, hint="shorten the value; long texts belong in a document"))
    return problems
