"""Declared sizes and hashes against the files."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from ..problems import Problem

#: The hash algorithms a descriptor may declare (Data Package: md5 by default, or ``<algorithm>:``).
ALGORITHMS = ("md5", "sha1", "sha256", "sha512")
_CHUNK = 1 << 20


def integrity_problems(resource: dict, path: Path, stop: threading.Event | None = None) -> list[Problem]:
    """Declared ``bytes`` and ``hash`` against the file, read as a stream (hashlib releases the GIL meanwhile).

    Once ``stop`` is set (validation ended early), the file is no longer read and nothing is reported.
    """
    problems = []
    name = resource.get("name")
    size = path.stat().st_size
    if "bytes" in resource and resource["bytes"] != size:
        problems.append(Problem("byte-count", f"declares {resource['bytes']} bytes, the file has {size}",
                                resource=name, file=resource["path"]))
    declared = resource.get("hash")
    if declared is None:
        return problems
    if not isinstance(declared, str):
        return problems + [Problem("hash-count", "the declared hash is not a string", resource=name,
                                   file=resource["path"])]
    declared = declared if ":" in declared else f"md5:{declared}"
    algorithm = declared.split(":", 1)[0]
    if algorithm not in ALGORITHMS:
        return problems + [Problem("hash-count", f"unsupported hash algorithm {algorithm!r}", resource=name,
                                   file=resource["path"], hint=f"use one of: {', '.join(ALGORITHMS)}")]
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if stop is not None and stop.is_set():
                return []
            digest.update(chunk)
    actual = f"{algorithm}:{digest.hexdigest()}"
    if actual != declared:
        problems.append(Problem("hash-count", f"declares hash {declared}, the file has {actual}",
                                resource=name, file=resource["path"]))
    return problems
