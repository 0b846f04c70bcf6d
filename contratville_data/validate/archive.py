"""Zip archives of unknown origin: a bounded member count, no encryption, decompressed bytes counted.

A zip's central directory can list millions of members (each a Python object once opened) and a
member's declared size can lie, so the count is read from the end record before the archive is
opened, and members are read as streams whose decompressed bytes are counted.
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from typing import BinaryIO

#: The most members a zip may list (a release zip holds a few dozen).
MAX_ZIP_MEMBERS = 10_000
_CHUNK = 1 << 20


class ArchiveError(Exception):
    """A zip that may not be read: its message says why."""


def member_count(handle: BinaryIO) -> int | None:
    """The member count the zip's end record declares (Zip64 included), or None without an end record."""
    handle.seek(0, 2)
    size = handle.tell()
    tail_size = min(size, 0xFFFF + 22)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    count = int.from_bytes(tail[at + 10:at + 12], "little")
    locator = tail[at - 20:at] if at >= 20 else b""
    if count == 0xFFFF and locator[:4] == b"PK\x06\x07":
        handle.seek(int.from_bytes(locator[8:16], "little"))
        record = handle.read(56)
        if record[:4] == b"PK\x06\x06":
            count = int.from_bytes(record[32:40], "little")
    return count


def open_zip(handle: BinaryIO, max_members: int = MAX_ZIP_MEMBERS) -> zipfile.ZipFile:
    """The zip in ``handle``, once its member count is known to be within ``max_members``; ArchiveError if not."""
    count = member_count(handle)
    if count is None:
        raise ArchiveError("not a zip archive (no end record)")
    if count > max_members:
        raise ArchiveError(f"lists {count} members, more than {max_members}")
    try:
        return zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as err:
        raise ArchiveError(f"not a readable zip archive ({err})") from None


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> BinaryIO:
    """A stream of the member's decompressed bytes; ArchiveError if encrypted or compressed unreadably."""
    if info.flag_bits & 0x1:
        raise ArchiveError(f"{info.filename[:200]} is encrypted")
    try:
        return archive.open(info)  # type: ignore[return-value]
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError, zlib.error) as err:
        raise ArchiveError(f"{info.filename[:200]} cannot be read ({err})") from None


def read_bounded(stream: BinaryIO, max_bytes: int, label: str) -> bytes:
    """All the stream's bytes, refusing (ArchiveError) more than ``max_bytes`` whatever was declared."""
    chunks, total = [], 0
    try:
        while chunk := stream.read(_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise ArchiveError(f"{label[:200]} expands to more than {max_bytes} bytes")
            chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as err:
        raise ArchiveError(f"{label[:200]} cannot be read ({err})") from None
    return b"".join(chunks)
