"""Settings of the native libraries for validating large packages, read when they are first loaded.

- No transparent huge pages: Arrow's allocator (mimalloc) and NumPy ask Linux for them, and
  validate, which makes and drops many large buffers batch after batch, then had the kernel zero a
  fresh 2 MiB page at each reuse: a sixth of its CPU time on the 5 million row package.
- One OpenBLAS thread: NumPy's OpenBLAS starts a thread per core that spins for a while waiting for
  matrix work validate never gives it (about 2 % of its CPU time at a million rows).

See docs/benchmarks.md.
"""

from __future__ import annotations

import os

#: The environment variables mimalloc, NumPy and OpenBLAS read when loaded.
SETTINGS = {"MIMALLOC_ALLOW_THP": "0", "NUMPY_MADVISE_HUGEPAGE": "0", "OPENBLAS_NUM_THREADS": "1"}


def apply_process_settings() -> None:
    """Set them, unless the environment does: call it before pyarrow or NumPy is imported."""
    for name, value in SETTINGS.items():
        os.environ.setdefault(name, value)
