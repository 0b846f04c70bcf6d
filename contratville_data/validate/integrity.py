"""Declared sizes and hashes against the files."""

from __future__ import annotations

import hashlib

from ..problems import Problem

#: The hash algorithms a descriptor may declare (Data Package: md5 by default, or ``<algorithm>:``).
ALGORITHMS = ("md5", "sha1", "sha256", "sha512")


def integrity_problems(resource: dict, data) -> list[Problem]:
    """Declared ``bytes`` and ``hash`` against the file's bytes (a buffer)."""
    problems = []
    name, path = resource.get("name"), resource["path"]
    if "bytes" in resource and resource["bytes"] != data.size:
        problems.append(Problem("byte-count", f"declares {resource['bytes']} bytes, the file has {data.size}",
                                resource=name, file=path))
    declared = resource.get("hash")
    if declared is None:
        return problems
    if not isinstance(declared, str):
        return problems + [Problem("hash-count", "the declared hash is not a string", resource=name, file=path)]
    declared = declared if ":" in declared else f"md5:{declared}"
    algorithm = declared.split(":", 1)[0]
    if algorithm not in ALGORITHMS:
        return problems + [Problem("hash-count", f"unsupported hash algorithm {algorithm!r}", resource=name,
                                   file=path, hint=f"use one of: {', '.join(ALGORITHMS)}")]
    actual = f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"
    if actual != declared:
        problems.append(Problem("hash-count", f"declares hash {declared}, the file has {actual}",
                                resource=name, file=path))
    return problems
