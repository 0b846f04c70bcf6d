"""Package-level metadata: schemas/package.json, the version in pyproject.toml, the CHANGELOG."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

_RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})", re.MULTILINE)


def package_metadata(root: Path) -> dict:
    """The hand-written package metadata (title, licences, contributors, resource titles...)."""
    return json.loads((root / "schemas" / "package.json").read_text(encoding="utf-8"))


def project_version(root: Path) -> str:
    """The version declared in pyproject.toml."""
    with (root / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def latest_release(root: Path) -> tuple[str, str]:
    """(version, date) of the CHANGELOG's top release entry."""
    match = _RELEASE.search((root / "CHANGELOG.md").read_text(encoding="utf-8"))
    if not match:
        raise ValueError("CHANGELOG.md has no release entry like '## [1.0.0] - 2026-01-31'")
    return match["version"], match["date"]
