"""Problems found in the project's metadata, in raw input or in a published package, reported all together."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .problem_types import problem_type


@dataclass(frozen=True)
class Problem:
    """One thing wrong, located as precisely as the check allows.

    ``type`` names an entry of the catalogue (``problem_types``): a problem of any other type cannot
    be made. ``line`` is the physical line in the file (1 = header); ``row`` the data row (1 = first
    row after the header); ``position`` the character's position in the cell (1 = first).
    """

    type: str
    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    value: str | None = None
    hint: str | None = None
    resource: str | None = None
    row: int | None = None
    position: int | None = None

    def __post_init__(self) -> None:
        problem_type(self.type)

    def __str__(self) -> str:
        where = self.file or self.resource or "package"
        if self.line is not None:
            where += f":{self.line}"
        if self.file and self.resource:
            where += f" (resource {self.resource})"
        parts = [where]
        if self.field:
            parts.append(f"column {self.field}")
        if self.value is not None:
            parts.append(f"value {self.value!r}")
        if self.position is not None:
            parts.append(f"character {self.position}")
        text = ", ".join(parts) + f": {self.message} [{self.type}]"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def to_dict(self) -> dict:
        return asdict(self)


class ProblemsFound(Exception):
    """Raised with every problem a step found; nothing has been published."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) found")
        self.problems = problems


def raise_if(problems: list[Problem]) -> None:
    """Raise ProblemsFound when there is any problem."""
    if problems:
        raise ProblemsFound(problems)
