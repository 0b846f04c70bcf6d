"""Path safety for packages of unknown origin: every path stays inside the package folder."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

#: The longest path accepted, in characters (Linux's PATH_MAX).
MAX_PATH_CHARS = 4096


def is_remote(path: str) -> bool:
    """Whether a descriptor path is a URL (``http://...``, ``file://...``) rather than a package path."""
    return "://" in path


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
