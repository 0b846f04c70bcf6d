"""Shared fixtures: the repository, a throw-away copy of it, and the source snapshots."""

from __future__ import annotations

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


def evidence(name: str) -> Path:
    """A file of the shared evidence beside the clone; skips where it is absent, fails under CI, which lays it."""
    from .system import require

    path = SOURCES / name
    require(path.is_file(), f"the evidence file {path}", "shared/sources beside the clone")
    return path


def snapshot(source_id: str) -> str:
    """Text of a source's snapshot, kept in the repository (its path and SHA-256 are in raw/sources.csv)."""
    import csv

    with (ROOT / "raw" / "sources.csv").open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["source_id"] == source_id)
    return (ROOT / row["snapshot"]).read_text(encoding="utf-8")


def published_bytes(root: Path) -> dict[str, bytes]:
    """Every published file under ``root``, by relative path."""
    files = {"datapackage.json": (root / "datapackage.json").read_bytes()}
    for path in sorted((root / "build").rglob("*")):
        if path.is_file():
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def expected_resources() -> int:
    """How many resources the descriptor lists: one per table and table format, one per package format."""
    from contratville_data.formats import PACKAGE_FORMATS, TABLE_FORMATS
    from contratville_data.schemas import load_schemas

    return len(load_schemas(ROOT / "schemas")) * len(TABLE_FORMATS) + len(PACKAGE_FORMATS)


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of a few kilobytes (a few dozen rows), Parquet twins read in batches that end elsewhere."""
    from contratville_data import csvproof
    from contratville_data.validate import twins

    monkeypatch.setattr(csvproof, "BLOCK_BYTES", 2048)
    monkeypatch.setattr(csvproof, "WINDOW", 2)
    monkeypatch.setattr(twins, "BATCH_ROWS", 7)
