"""Shared fixtures: the repository, a throw-away copy of it, and the source snapshots."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: What a checkout needs to build and validate.
PROJECT_FILES = ("raw", "schemas", "build", "docs", "datapackage.json", "pyproject.toml", "CHANGELOG.md",
                 "README.md", "LICENSE")
SOURCES = ROOT.parent / "shared" / "sources"


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the checkout that a test may build, break and rebuild."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        else:
            shutil.copy2(source, copy / name)
    return copy


def snapshot(name: str) -> str:
    """Text of one of the publisher's page snapshots; skips where shared/sources is not beside the repo."""
    path = SOURCES / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"source snapshot {path} missing: CI lays shared/ beside the clone")
        pytest.skip(f"source snapshot {path} not available")
    return path.read_text(encoding="utf-8")


def published_bytes(root: Path) -> dict[str, bytes]:
    """Every published file under ``root``, by relative path."""
    files = {"datapackage.json": (root / "datapackage.json").read_bytes()}
    for path in sorted((root / "build").iterdir()):
        files[f"build/{path.name}"] = path.read_bytes()
    return files
