"""Tests that need software outside Python: skip where it is missing, fail under CI, which installs it."""

from __future__ import annotations

import os

import pytest


def require(available: bool, what: str, how: str) -> None:
    """Skip (or, under ``CI=true``, fail) unless ``available``; ``what`` is missing, ``how`` installs it."""
    if available:
        return
    message = f"{what} is not available here ({how})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; .ci/run installs it, so CI must have it")
    pytest.skip(message)
