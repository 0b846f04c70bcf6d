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


class LongestCells:
    """Text cells of an Arrow table longer than the bound (Arrow's CSV reader has none), seen batch by batch.

    Called with each batch and the index of its first row; ``problems`` names, for each column, its
    longest cell (the first of them) when that is longer than the bound.
    """

    def __init__(self, resource: dict):
        self.resource = resource
        self.longest: dict[str, tuple[int, int]] = {}
        self.columns: list[str] = []

    def __call__(self, batch, offset: int) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self.columns = self.columns or batch.schema.names
        for name, column in zip(batch.schema.names, batch.columns):
            if not pa.types.is_string(column.type) or not len(column):
                continue
            # a character is at least a byte: only a column with a long value needs its characters counted
            widest = pc.max(pc.binary_length(column)).as_py()
            if widest is None or widest <= max(MAX_CELL_CHARS, self.longest.get(name, (0, 0))[0]):
                continue
            lengths = pc.utf8_length(column)
            longest = pc.max(lengths).as_py()
            if longest > max(MAX_CELL_CHARS, self.longest.get(name, (0, 0))[0]):
                self.longest[name] = (longest, offset + pc.index(lengths, longest).as_py())

    def problems(self) -> list[Problem]:
        return [Problem("cell-size", f"a cell of {longest} characters, more than {MAX_CELL_CHARS}",
                        resource=self.resource.get("name"), file=self.resource["path"], row=index + 1,
                        field=name, hint="shorten the value; long texts belong in a document")
                for name, (longest, index) in sorted(self.longest.items(), key=lambda i: self.columns.index(i[0]))]
