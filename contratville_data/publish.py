"""Publish a staged build in one commit, and read a published package one whole set at a time.

A build writes every file it publishes into a staging folder ``.build-*`` of the checkout, then
``publish``:

1. prepares: checks that every folder it changes is writable and on the checkout's file system,
   syncs the staged files to disk and writes the journal records it will need;
2. commits: one rename puts the ``forward`` record in place as ``.publish.json``;
3. moves each published path: the old one into ``<staging>/.previous/``, the new one in its place;
4. renames the ``idle`` record over the journal, then deletes the staging folder and the old files.

Killed before the commit, nothing published changed. Killed after it, the next build finishes the
moves before anything else (``recover``, run under the build lock). A move that fails for a reason
step 1 could not foresee puts the old files back (the ``back`` record). Signals are held from the
commit to the end of the moves. Readers (``consistent_read``) compare the journal before and after
they read: a publish that committed meanwhile makes them read again, one under way makes them wait,
one a killed build left unfinished is an error until the next build. Readers never write.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from .problems import Problem

#: The journal, in the checkout's root; its content changes with every publish (never published itself).
JOURNAL = ".publish.json"
#: The build lock (filelock): a lock file left behind is harmless, the lock is the kernel's and dies with its process.
LOCK = ".build.lock"
#: Staging folders: ``.build-`` and tempfile's random suffix.
STAGING_PREFIX = ".build-"
_STAGING_NAME = re.compile(r"\.build-[A-Za-z0-9_]{1,64}")
#: Inside a staging folder: where the replaced files go, and the journal records written before the commit.
PREVIOUS = ".previous"
_RECORDS = {state: f".journal-{state}" for state in ("forward", "back", "idle")}
_MAX_JOURNAL_BYTES = 65536

T = TypeVar("T")


class PublishError(Exception):
    """Publishing or reading a published set failed; the message says what is published and what to do."""

    def __init__(self, message: str, *, file: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message, self.file, self.hint = message, file, hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message

    def problem(self) -> Problem:
        return Problem("publish", self.message, file=self.file, hint=self.hint)


class Interrupted(BaseException):
    """A signal (SIGINT, SIGTERM, SIGHUP) stopped the build before it committed its publish."""

    def __init__(self, signum: int):
        self.name = signal.Signals(signum).name
        super().__init__(self.name)


# ---------------------------------------------------------------- writers


def stage(root: Path) -> Path:
    """A new, empty staging folder under ``root`` (same file system, so that publishing is renames only)."""
    return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the build lock of ``root``, after finishing an interrupted publish and removing stale staging folders."""
    from filelock import FileLock

    with FileLock(str(root / LOCK)):
        recover(root)
        for folder in root.glob(f"{STAGING_PREFIX}*"):
            if folder.is_dir() and not folder.is_symlink() and _STAGING_NAME.fullmatch(folder.name):
                shutil.rmtree(folder, ignore_errors=True)  # under the lock, every staging folder is stale
        yield


def discard(root: Path, staging: Path) -> None:
    """Delete a staging folder, unless the journal still needs it to finish a publish (or cannot be read)."""
    try:
        needed = staging.name == _pending(root).get("staging")
    except PublishError:
        needed = True
    if not needed:
        shutil.rmtree(staging, ignore_errors=True)


def publish(root: Path, staging: Path, paths: Sequence[str]) -> None:
    """Replace ``paths`` under ``root`` by their staged versions under ``staging``, all or none.

    Raises PublishError (nothing published changed) when a folder is read-only or on another file
    system, and OSError when preparing fails (a full disk...): nothing published changed either.
    Call it holding ``locked(root)``.
    """
    _prepare(root, staging, paths)
    generation = secrets.token_hex(16)
    for state in _RECORDS:
        _write_record(staging / _RECORDS[state], state, generation, staging.name, paths)
    with _signals_held():
        os.replace(staging / _RECORDS["forward"], root / JOURNAL)  # the commit
        _sync_folder(root)
        try:
            _roll(root, staging, paths, forward=True)
        except OSError as failure:
            _undo(root, staging, paths, failure)
        try:
            os.replace(staging / _RECORDS["idle"], root / JOURNAL)
            _sync_folder(root)
        except OSError as failure:
            raise PublishError(f"the new files are published, but {JOURNAL} could not be closed: "
                               f"{_describe(failure, root)}", file=JOURNAL,
                               hint="fix the cause, then build again: the next build closes it") from None
    shutil.rmtree(staging, ignore_errors=True)


def recover(root: Path) -> None:
    """Finish the publish a killed build left half done, in the direction its journal records."""
    record = _pending(root)
    if not record:
        return
    staging = root / record["staging"]
    try:
        with _signals_held():
            _roll(root, staging, record["paths"], forward=record["state"] == "forward")
            idle = staging / _RECORDS["idle"]
            if not idle.is_file():  # the staging folder was deleted by hand: write the record again
                staging.mkdir(exist_ok=True)
                _write_record(idle, "idle", record["generation"], None, [])
            os.replace(idle, root / JOURNAL)
            _sync_folder(root)
    except OSError as failure:
        raise PublishError(f"a build was stopped while publishing and its publish cannot be finished: "
                           f"{_describe(failure, root)}", file=JOURNAL,
                           hint=f"fix the cause, then build again; {JOURNAL} and {record['staging']}/ "
                                "hold what is needed to finish") from None
    shutil.rmtree(staging, ignore_errors=True)


def _prepare(root: Path, staging: Path, paths: Sequence[str]) -> None:
    device = staging.stat().st_dev
    for path in paths:
        if not os.path.lexists(staging / path):
            raise PublishError(f"the build staged no {path}", file=path)
        live = root / path
        live.parent.mkdir(parents=True, exist_ok=True)
        (staging / PREVIOUS / path).parent.mkdir(parents=True, exist_ok=True)
        # Moving a folder to another parent rewrites its '..' entry: the folder itself must be writable.
        folders = [live.parent] + ([live] if live.is_dir() and not live.is_symlink() else [])
        for folder in folders:
            label = _relative(folder, root) + "/"
            if not os.access(folder, os.W_OK, effective_ids=os.access in os.supports_effective_ids):
                raise PublishError(f"{label} is read-only: {path} cannot be replaced; nothing published changed",
                                   file=label, hint=f"make {label} writable, then build again")
            if folder.stat().st_dev != device:
                raise PublishError(f"{label} is on another file system than the checkout: {path} cannot be "
                                   "replaced in one rename; nothing published changed", file=label,
                                   hint=f"keep {label} inside the checkout's file system")
    _sync_tree(staging)


def _roll(root: Path, staging: Path, paths: Sequence[str], *, forward: bool) -> None:
    """Move every path one way; each step is one rename and the whole is idempotent."""
    for path in (paths if forward else list(reversed(paths))):
        new, live, old = staging / path, root / path, staging / PREVIOUS / path
        if forward:
            if not os.path.lexists(new):
                continue  # already moved in
            if os.path.lexists(live) and not os.path.lexists(old):
                os.replace(live, old)
            os.replace(new, live)
        else:
            if not os.path.lexists(new) and os.path.lexists(live):
                os.replace(live, new)
            if os.path.lexists(old):
                os.replace(old, live)
    for folder in {(root / path).parent for path in paths}:
        _sync_folder(folder)


def _undo(root: Path, staging: Path, paths: Sequence[str], failure: OSError) -> None:
    """Put the old files back after a failed move; raise PublishError saying what is published."""
    try:
        os.replace(staging / _RECORDS["back"], root / JOURNAL)
        _roll(root, staging, paths, forward=False)
    except OSError as again:
        raise PublishError(f"replacing the published files failed ({_describe(failure, root)}), and so did "
                           f"putting the old ones back ({_describe(again, root)})", file=JOURNAL,
                           hint="fix the cause, then build again: the next build finishes the publish") from None
    os.replace(staging / _RECORDS["idle"], root / JOURNAL)
    _sync_folder(root)
    raise PublishError(f"replacing the published files failed: {_describe(failure, root)}; the old files are back "
                       "in place, nothing published changed", file=_relative(Path(failure.filename or root), root),
                       hint=_hint(failure))


def _write_record(path: Path, state: str, generation: str, staging: str | None, paths: Sequence[str]) -> None:
    record: dict = {"state": state, "generation": generation}
    if state != "idle":
        record |= {"staging": staging, "paths": list(paths)}
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(record, indent=1) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as failure:
        raise OSError(failure.errno, failure.strerror, str(path)) from None


def _sync_tree(folder: Path) -> None:
    for parent, _, files in os.walk(folder):
        for name in files:
            _fsync(os.path.join(parent, name))
        _sync_folder(Path(parent))


def _sync_folder(folder: Path) -> None:
    _fsync(str(folder))


def _fsync(path: str) -> None:
    """Make a file or folder durable; POSIX only (Windows opens neither read-only for this)."""
    if os.name != "posix":
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# ---------------------------------------------------------------- signals

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class _Commit:
    """Whether a commit is running: ``interruptible``'s handler then holds signals instead of raising."""

    running = False


def _on_signal(signum: int, _frame: object) -> None:
    if not _Commit.running:
        raise Interrupted(signum)


@contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into ``Interrupted`` while the block runs (in the main thread only).

    A signal that arrives while a commit runs is dropped: the commit runs to its end, and the build it
    would have stopped has then published, which is all that was left for it to do.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _on_signal) for number in _SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Run a commit (or its recovery) to its end whatever signal ``interruptible`` catches meanwhile."""
    _Commit.running = True
    try:
        yield
    finally:
        _Commit.running = False


# ---------------------------------------------------------------- readers


def consistent_read(root: Path, read: Callable[[], T], *, wait: float = 60.0, attempts: int = 20) -> T:
    """``read()`` the package published under ``root`` as one whole set.

    Reads again when a publish committed while ``read`` ran (its exceptions included); waits up to
    ``wait`` seconds for a publish under way; raises PublishError when a build was killed while
    publishing (the next build finishes it) or when ``attempts`` reads all overlapped a publish.
    A folder without journal (a wheel, an unpacked release) is read once, as it is.
    """
    for _ in range(attempts):
        before = _settled(root, wait)
        try:
            value = read()
        except Exception:
            if _journal_bytes(root) == before:
                raise
            continue
        if _journal_bytes(root) == before:
            return value
    raise PublishError(f"the package was published again during each of {attempts} reads", file=JOURNAL,
                       hint="read it when no build is running")


def _settled(root: Path, wait: float) -> bytes:
    """The journal's bytes once no publish is under way."""
    deadline = time.monotonic() + wait
    while True:
        data = _journal_bytes(root)
        if not _parse(data):
            return data
        if not _lock_held(root) and _journal_bytes(root) == data:
            raise PublishError("a build was stopped while publishing: the published files are half replaced",
                               file=JOURNAL, hint="run `contratville-data build` in the checkout: it finishes "
                                                  "the publish first")
        if time.monotonic() > deadline:
            raise PublishError(f"a build has been publishing for more than {wait:g} s", file=JOURNAL,
                               hint="read again when the build is over")
        time.sleep(0.01)


def _lock_held(root: Path) -> bool:
    """Whether a process holds the build lock (True when it cannot be told)."""
    try:
        import fcntl
    except ImportError:
        return True
    try:
        descriptor = os.open(root / LOCK, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(descriptor)  # releases a lock this probe took
    return False


def _pending(root: Path) -> dict:
    """The journal's record when a publish is under way or unfinished; {} when none is."""
    return _parse(_journal_bytes(root))


def _journal_bytes(root: Path) -> bytes:
    try:
        descriptor = os.open(root / JOURNAL, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return b""
    except OSError as err:
        raise PublishError(f"cannot read {JOURNAL}: {err.strerror}", file=JOURNAL) from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise _unusable_journal()
        data = os.read(descriptor, _MAX_JOURNAL_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(data) > _MAX_JOURNAL_BYTES:
        raise _unusable_journal()
    return data


def _parse(data: bytes) -> dict:
    """{} for no journal or an idle one; the record of a publish under way; PublishError for anything else."""
    if not data:
        return {}
    try:
        record = json.loads(data)
    except (ValueError, RecursionError):
        raise _unusable_journal() from None
    if not isinstance(record, dict) or not isinstance(record.get("generation"), str):
        raise _unusable_journal()
    if record.get("state") == "idle":
        return {}
    staging, paths = record.get("staging"), record.get("paths")
    if (record.get("state") not in ("forward", "back") or not isinstance(staging, str)
            or not _STAGING_NAME.fullmatch(staging) or not isinstance(paths, list)
            or not all(isinstance(p, str) and _safe_relative(p) for p in paths)):
        raise _unusable_journal()
    return record


def _safe_relative(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and "\\" not in path and "\0" not in path and all(p not in ("", ".", "..") for p in parts)


def _unusable_journal() -> PublishError:
    return PublishError(f"{JOURNAL} is not a journal this package wrote", file=JOURNAL,
                        hint=f"check the published files (`contratville-data validate`), then delete {JOURNAL}")


# ---------------------------------------------------------------- messages


#: SQLite's result codes for a storage fault (a full disk, an I/O error, a read-only or unopenable file).
_SQLITE_STORAGE = {"SQLITE_FULL": errno.ENOSPC, "SQLITE_IOERR": errno.EIO, "SQLITE_READONLY": errno.EROFS,
                   "SQLITE_CANTOPEN": errno.EACCES, "SQLITE_PERM": errno.EACCES}


def storage_fault(failure: Exception) -> OSError | None:
    """``failure`` as an OSError when it is one, or SQLite's report of a storage fault; None otherwise."""
    if isinstance(failure, OSError):
        return failure
    name = str(getattr(failure, "sqlite_errorname", ""))
    code = _SQLITE_STORAGE.get("_".join(name.split("_")[:2]))  # SQLITE_IOERR_WRITE is an SQLITE_IOERR
    return OSError(code, f"SQLite: {failure} ({name})") if code else None


def write_problem(root: Path, failure: OSError) -> Problem:
    """The problem for a build that could not read or write a file (a full disk, a read-only folder...)."""
    return Problem("publish", f"cannot write the build: {_describe(failure, root)}; nothing published changed",
                   file=_staged_as_published(failure.filename, root), hint=_hint(failure))


def interrupted_problem(stop: Interrupted) -> Problem:
    """The problem for a build a signal stopped before it published."""
    return Problem("publish", f"interrupted by {stop.name} before publishing; nothing published changed",
                   hint="build again")


def _describe(failure: OSError, root: Path) -> str:
    text = failure.strerror or str(failure)
    if failure.filename:
        text += f" ({_relative(Path(failure.filename), root)})"
    return text


def _staged_as_published(filename: str | bytes | None, root: Path) -> str | None:
    """A file's path relative to the checkout; a staged file by the path it would be published at."""
    if not filename or isinstance(filename, bytes):
        return None
    path = _relative(Path(filename), root)
    first, _, rest = path.partition("/")
    return rest if _STAGING_NAME.fullmatch(first) and rest else path


def _hint(failure: OSError) -> str:
    if failure.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
        return "free some disk space (or check the disk), then build again"
    if failure.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "make the checkout's folders writable (or build a writable copy with --root), then build again"
    return "fix the cause, then build again"


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return str(path)
