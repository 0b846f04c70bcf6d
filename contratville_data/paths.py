"""Where the package's files live: a source checkout, or the data shipped inside the wheel."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
#: Files the wheel carries under ``contratville_data/_data`` (see pyproject.toml).
_WHEEL_DATA = _HERE / "_data"


def checkout_root() -> Path | None:
    """The source checkout this module runs from, or None when installed from a wheel."""
    root = _HERE.parent
    if (root / "pyproject.toml").is_file() and (root / "raw").is_dir():
        return root
    return None


def data_root() -> Path:
    """The folder holding the published ``datapackage.json``, ``build/`` and ``schemas/``."""
    root = checkout_root()
    if root is not None:
        return root
    return _WHEEL_DATA


def schemas_dir() -> Path:
    """The folder of Table Schemas and package metadata."""
    return data_root() / "schemas"
