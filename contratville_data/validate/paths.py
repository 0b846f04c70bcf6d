"""Path safety for packages of unknown origin: every path stays inside the package folder.

The package folder is the folder of the descriptor path as given. A descriptor that is a symlink
is read only when it resolves inside that folder: a link into another folder would make another
package's descriptor judge this folder's files (or read a file outside the package), so it is
refused like any other path that leaves the package.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from ..limits import MAX_PATH_CHARS

__all__ = ["MAX_PATH_CHARS", "is_remote", "remote_reason", "resolve_inside", "unsafe_reason"]

#: The schemes of remote addresses that ``--allow-remote`` lets frictionless fetch.
REMOTE_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def is_remote(path: str) -> bool:
    """Whether a descriptor path is an address (``http://...``, ``file://...``) rather than a package path."""
    return "://" in path


def remote_reason(value: str, allow_remote: bool) -> str | None:
    """Why an address may not be followed, or None when it may (http or https, with ``allow_remote``)."""
    match = _SCHEME.match(value)
    scheme = match.group(1).lower() if match else None
    if scheme not in REMOTE_SCHEMES:
        return f"is a {scheme or 'malformed'} address: only http(s) addresses are remote, and local files " \
               "are named by paths inside the package"
    return None if allow_remote else "is remote, refused without --allow-remote"


def unsafe_reason(value: str) -> str | None:
    """Why a package-relative path may not be followed, or None when its text is safe."""
    if "\x00" in value or len(value) > MAX_PATH_CHARS or not value.strip():
        return "is not a usable path (empty, too long, or holding a NUL character)"
    parts = PurePosixPath(value).parts
    if PurePosixPath(value).is_absolute() or Path(value).is_absolute() or ".." in parts or "\\" in value:
        return "leaves the package folder"
    return None


def resolve_inside(root: Path, value: str) -> tuple[Path | None, str | None]:
    """(the file ``value`` names under ``root``, None) or (None, why it may not be read).

    The path must be relative, stay inside ``root`` once symlinks are followed, and name a regular
    file (not a folder, FIFO or device).
    """
    reason = unsafe_reason(value)
    if reason:
        return None, reason
    target = root / value
    try:
        resolved = target.resolve(strict=False)
        if not resolved.is_relative_to(root.resolve()):
            return None, "leaves the package folder"
        if not target.exists():
            return None, "not found"
        if not resolved.is_file():
            return None, "is not a regular file"
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a name the system refuses
        return None, "cannot be followed (a symlink loop, or a name the system refuses)"
    return resolved, None


def descriptor_reason(path: Path) -> str | None:
    """Why the descriptor at ``path`` may not be read: a symlink out of its folder, a loop, not a file."""
    try:
        folder = path.parent.resolve()
    except (OSError, RuntimeError, ValueError):
        return "cannot be followed (a symlink loop, or a name the system refuses)"
    target, reason = resolve_inside(folder, path.name)
    if target is None and reason == "leaves the package folder":
        return "is a symlink to a file outside its folder: validate the package in the folder it links to"
    return reason if reason != "not found" else None  # a missing descriptor is load_json's message
