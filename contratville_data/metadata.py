"""Package-level metadata: schemas/package.json, the version in pyproject.toml, the CHANGELOG."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import NamedTuple

#: A release entry of the CHANGELOG: its heading, then its notes up to the next heading or link list.
_RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})[^\n]*\n(?P<notes>.*?)"
                      r"(?=^## |^\[[^\]]+\]: |\Z)", re.MULTILINE | re.DOTALL)


class Release(NamedTuple):
    """One release entry of the CHANGELOG."""

    version: str
    date: str
    notes: str


def package_metadata(root: Path) -> dict:
    """The hand-written package metadata (title, licences, contributors, resource titles...)."""
    from .schemas import read_json

    return read_json(root / "schemas" / "package.json")


def project_version(root: Path) -> str:
    """The version declared in pyproject.toml."""
    with (root / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def releases(root: Path) -> list[Release]:
    """The CHANGELOG's release entries, newest first (an ``Unreleased`` section is not one)."""
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    found = [Release(m["version"], m["date"], m["notes"].strip()) for m in _RELEASE.finditer(text)]
    if not found:
        from .problems import Problem, ProblemsFound

        raise ProblemsFound([Problem("changelog", "no release entry", file="CHANGELOG.md",
                                     hint="add an entry like '## [1.0.0] - 2026-01-31' at the top")])
    return found


def latest_release(root: Path) -> tuple[str, str]:
    """(version, date) of the CHANGELOG's top release entry."""
    return releases(root)[0][:2]
