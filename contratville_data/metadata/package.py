"""Package-level metadata: schemas/package.json, the version in pyproject.toml, the CHANGELOG."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import NamedTuple

#: A release entry of the CHANGELOG: its heading, then its notes up to the next heading or link list.
_RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[^\n]*\n(?P<notes>.*?)"
                      r"(?=^## |^\[[^\]]+\]: |\Z)", re.MULTILINE | re.DOTALL)


class Release(NamedTuple):
    """One release entry of the CHANGELOG."""

    version: str
    date: str
    notes: str


#: Where the package metadata lives, and the largest metadata file read.
PACKAGE_FILE = "schemas/package.json"
MAX_METADATA_BYTES = 1024**2


def package_metadata(root: Path) -> dict:
    """The hand-written package metadata (name, title, licences, contributors...), checked against the profile."""
    from ..jsonfile import load_json
    from ..problems import raise_if
    from .profile import package_problems

    document, problems = load_json(root / PACKAGE_FILE, PACKAGE_FILE, "metadata-json", max_bytes=MAX_METADATA_BYTES)
    raise_if(problems or package_problems(document, PACKAGE_FILE))
    return document


def project_version(root: Path) -> str:
    """The version declared in pyproject.toml."""
    with (root / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def releases(root: Path) -> list[Release]:
    """The CHANGELOG's release entries, newest first (an ``Unreleased`` section is not one)."""
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    found = [Release(m["version"], m["date"], m["notes"].strip()) for m in _RELEASE.finditer(text)]
    if not found:
        from ..problems import Problem, ProblemsFound

        raise ProblemsFound([Problem("changelog", "no release entry", file="CHANGELOG.md",
                                     hint="add an entry like '## [1.0.0] - 2026-01-31' at the top")])
    return found


def latest_release(root: Path) -> tuple[str, str]:
    """(version, date) of the CHANGELOG's top release entry."""
    return releases(root)[0][:2]
