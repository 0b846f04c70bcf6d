"""Allocator settings for validating large packages: no transparent huge pages.

Arrow's allocator (mimalloc) and NumPy ask Linux for transparent huge pages: validate, which makes
and drops many large buffers batch after batch, then had the kernel zero a fresh 2 MiB page at each
reuse, a sixth of its CPU time on the 5 million row package (docs/benchmarks.md).
"""

from __future__ import annotations

import os

#: Settings mimalloc and NumPy read when they are first loaded.
SMALL_PAGES = {"MIMALLOC_ALLOW_THP": "0", "NUMPY_MADVISE_HUGEPAGE": "0"}


def prefer_small_pages() -> None:
    """Set them, unless the environment does: call it before pyarrow or NumPy is imported."""
    for name, value in SMALL_PAGES.items():
        os.environ.setdefault(name, value)
