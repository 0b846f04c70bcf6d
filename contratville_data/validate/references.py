"""References frictionless would follow by itself: profiles, dialects, schemes, encodings.

Without ``--allow-remote`` nothing may reach the network: a package's or a resource's ``profile``
or ``$schema``, a resource's ``dialect``, an inline Table Schema's or dialect's ``$schema``, are
refused when they name an address (the standard datapackage.org profiles excepted: frictionless
holds them and never fetches them). A local reference must stay inside the package like a path.
Addresses of other schemes (``file://``, ``ftp://``...) are refused even with ``--allow-remote``.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ..problems import Problem
from .paths import is_remote, remote_reason, resolve_inside

#: The profiles frictionless holds (it never fetches them); any other ``$schema`` is an address to follow.
STANDARD_PROFILE = re.compile(r"^https://(datapackage\.org/profiles/[0-9]+\.[0-9]+|specs\.frictionlessdata\.io/"
                              r"schemas)/[a-z-]+\.json$")
#: The legacy ``profile`` names frictionless knows without reading anything.
NAMED_PROFILES = {"data-package", "tabular-data-package", "fiscal-data-package", "data-resource",
                  "tabular-data-resource"}


def reference_problems(descriptor: dict, root: Path, allow_remote: bool) -> list[Problem]:
    """Every reference of the descriptor (and its inline schemas and dialects) frictionless would follow."""
    problems = _profile_problems(descriptor, root, allow_remote, None, "package")
    for resource in descriptor["resources"]:
        name = resource["name"]
        problems += _profile_problems(resource, root, allow_remote, name, "resource")
        for key in ("schema", "dialect"):
            if isinstance(resource.get(key), dict):
                problems += _profile_problems(resource[key], root, allow_remote, name, f"inline {key}")
        dialect = resource.get("dialect")
        if isinstance(dialect, str):
            problems += _reference(dialect, "dialect", root, allow_remote, name)
        problems += _scheme_problems(resource)
        problems += encoding_problems(resource)
    return problems


def schema_reference_problems(schema: dict, root: Path, allow_remote: bool, resource: str) -> list[Problem]:
    """The same for a Table Schema read from a file."""
    return _profile_problems(schema, root, allow_remote, resource, "schema")


def _scheme_problems(resource: dict) -> list[Problem]:
    """A declared ``scheme`` must be the path's: ``file`` for a local path, the address's own for a remote one."""
    scheme, path = resource.get("scheme"), resource["path"]
    expected = path.split("://", 1)[0].lower() if is_remote(path) else "file"
    if scheme is None or scheme == expected:
        return []
    return [Problem("unsafe-path", f"scheme {str(scheme)[:50]!r} where the path says {expected!r}",
                    resource=resource["name"], value=path[:200], hint=f"declare the scheme {expected!r} or none")]


def encoding_problems(resource: dict) -> list[Problem]:
    """A declared ``encoding`` must be a text encoding Python knows (not a compression codec such as zlib)."""
    encoding = resource.get("encoding")
    if encoding is None:
        return []
    try:
        known = isinstance(encoding, str) and codecs.lookup(encoding)._is_text_encoding
    except LookupError:
        known = False
    if known:
        return []
    return [Problem("descriptor", "'encoding' is not a text encoding", resource=resource.get("name"),
                    value=str(encoding)[:200], hint="declare utf-8")]


def _profile_problems(document: dict, root: Path, allow_remote: bool, resource: str | None,
                      where: str) -> list[Problem]:
    problems = []
    for key in ("$schema", "profile"):
        value = document.get(key)
        if not isinstance(value, str) or value in NAMED_PROFILES or STANDARD_PROFILE.match(value):
            continue
        problems += _reference(value, f"{where} {key}", root, allow_remote, resource)
    return problems


def _reference(value: str, key: str, root: Path, allow_remote: bool, resource: str | None) -> list[Problem]:
    """A reference to an address or to a file of the package."""
    if is_remote(value):
        reason = remote_reason(value, allow_remote)
    else:
        target, reason = resolve_inside(root, value)
    if reason is None:
        return []
    hint = "pass --allow-remote to let validate fetch it" if "--allow-remote" in reason else \
        "keep references relative and inside the package"
    return [Problem("unsafe-path", f"{key} {reason}", resource=resource, value=value[:200], hint=hint)]
