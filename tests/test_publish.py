"""Publishing is atomic for writers and readers: killed anywhere, the published files are the old set or the new set."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contratville_data import publish
from contratville_data.build import PUBLISHED, build

from .conftest import PROJECT_FILES, ROOT
from .system import require

BUILD = [sys.executable, "-m", "contratville_data", "build", "--quiet", "--root"]
#: The file operations a crash can come between: those that change what is on disk (fsync only makes it durable,
#: which matters for a power cut, not for a killed process; the forked children skip it to save time).
OPERATIONS = ("replace", "rename", "mkdir", "unlink", "rmdir")


def published(root: Path) -> dict[str, bytes | None]:
    """Every published file by path; None for a published path that is missing."""
    files: dict[str, bytes | None] = {}
    for name in PUBLISHED:
        path = root / name
        if path.is_dir():
            files |= {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
        else:
            files[name] = path.read_bytes() if path.is_file() else None
    return files


def hashes_match(root: Path) -> bool:
    """Whether every file the descriptor declares has the declared size and SHA-256."""
    descriptor = json.loads((root / "datapackage.json").read_bytes())
    for resource in descriptor["resources"]:
        path = root / resource["path"]
        if not path.is_file():
            return False
        data = path.read_bytes()
        if resource.get("bytes", len(data)) != len(data):
            return False
        if "hash" in resource and resource["hash"] != "sha256:" + hashlib.sha256(data).hexdigest():
            return False
    return True


def copy_project(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for name in PROJECT_FILES:
        (shutil.copytree if (source / name).is_dir() else shutil.copy2)(source / name, target / name)
    return target


def make_variant_b(root: Path) -> None:
    """Change two tables far apart in load order (defis, sources), so that a mix of sets shows."""
    for name, old, new in (("defis.csv", b"le sport", b"les sports"),
                           ("sources.csv", b"Identifiers and dates checked", b"Identifiers and dates verified")):
        path = root / "raw" / name
        data = path.read_bytes()
        assert old in data
        path.write_bytes(data.replace(old, new))


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob(".build-*"))


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """Checkouts ``old`` (raw/ as it is) and ``new`` (raw/ changed in two tables), built; their published files."""
    base = tmp_path_factory.mktemp("sets")
    old = copy_project(ROOT, base / "old")
    build(old)
    new = copy_project(old, base / "new")
    make_variant_b(new)
    start = time.monotonic()
    build(new)
    seconds = time.monotonic() - start
    assert hashes_match(old) and hashes_match(new)
    return {"old": old, "new": new, "OLD": published(old), "NEW": published(new), "seconds": seconds}


@pytest.fixture
def checkout(sets, tmp_path) -> Path:
    """A copy of the old checkout whose raw/ gives the new set."""
    root = copy_project(sets["old"], tmp_path / "checkout")
    make_variant_b(root)
    return root


def whole(root: Path, sets) -> str:
    """'old' or 'new': which whole set is published on disk (fails on a mix)."""
    files = published(root)
    found = [name for name in ("old", "new") if files == sets[name.upper()]]
    assert found, f"a mix is published: {sorted(k for k in files if files[k] not in (sets['OLD'].get(k), None))}"
    assert hashes_match(root)
    return found[0]


def read_published(root: Path, sets) -> str:
    """What a reader gets: the whole set it read, through the journal."""
    files = publish.consistent_read(root, lambda: published(root), wait=5)
    found = [name for name in ("old", "new") if files == sets[name.upper()]]
    assert found, "a reader saw a mix"
    return found[0]


# ---------------------------------------------------------------- inside the publish step


def _staged_new_set(sets, folder: Path) -> Path:
    """The new set as the build stages it, kept aside to be copied into each trial."""
    staged = folder / "staged"
    staged.mkdir()
    for name in PUBLISHED:
        source = sets["new"] / name
        target = staged / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    return staged


def _trial(sets, folder: Path, staged: Path) -> tuple[Path, Path]:
    root = copy_project(sets["old"], folder)
    staging = publish.stage(root)
    shutil.rmtree(staging)
    shutil.copytree(staged, staging)
    return root, staging


def _publish_in_child(root: Path, staging: Path, stop_at: int, action: str) -> tuple[int, list[str]]:
    """Publish in a forked child holding the build lock; at file operation ``stop_at`` it dies (SIGKILL-like)
    or signals itself (SIGTERM). Returns the child's exit status and, when it ran to the end, its operations."""
    from filelock import FileLock

    log = root.parent / f"{root.name}.ops"
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            ran: list[str] = []

            def counted(name, real):
                def operation(*args, **kwargs):
                    if len(ran) == stop_at:
                        if action == "kill":
                            os._exit(137)
                        os.kill(os.getpid(), signal.SIGTERM)
                    ran.append(f"{name} {args[0]!s}" + (f" -> {args[1]!s}" if name == "replace" else ""))
                    return real(*args, **kwargs)
                return operation

            for name in OPERATIONS:
                setattr(os, name, counted(name, getattr(os, name)))
            os.fsync = lambda _: None
            with publish.interruptible(), FileLock(str(root / publish.LOCK)):
                publish.publish(root, staging, PUBLISHED)
            log.write_text("\n".join(ran))
        except publish.Interrupted:
            status = 3
        except BaseException:  # noqa: BLE001 - the child reports any failure by its exit status
            status = 4
        finally:
            os._exit(status)
    _, code = os.waitpid(pid, 0)
    ran = log.read_text().splitlines() if log.is_file() else []
    return os.waitstatus_to_exitcode(code), ran


def test_killed_between_any_two_file_operations_of_the_publish_step(sets, tmp_path):
    staged = _staged_new_set(sets, tmp_path)
    root, staging = _trial(sets, tmp_path / "dry", staged)
    code, operations = _publish_in_child(root, staging, -1, "kill")
    assert code == 0 and whole(root, sets) == "new"
    commit = next(i for i, op in enumerate(operations) if op.startswith("replace") and op.endswith(publish.JOURNAL))
    assert 10 < len(operations) and commit > 0

    mixes_on_disk = 0
    for stop_at in range(len(operations) + 1):
        root, staging = _trial(sets, tmp_path / f"kill-{stop_at}", staged)
        code, ran = _publish_in_child(root, staging, stop_at, "kill")
        assert code == (137 if stop_at < len(operations) else 0), ran
        pending = bool(publish._pending(root))
        expected = "new" if stop_at > commit else "old"
        if pending:
            if published(root) not in (sets["OLD"], sets["NEW"]):
                mixes_on_disk += 1
            with pytest.raises(publish.PublishError, match="stopped while publishing"):
                read_published(root, sets)
        else:
            assert whole(root, sets) == expected, f"killed before {operations[stop_at:stop_at + 1]}"
            assert read_published(root, sets) == expected
        with publish.locked(root):  # what the next build does first
            pass
        assert whole(root, sets) == expected, f"killed before {operations[stop_at:stop_at + 1]}"
        assert read_published(root, sets) == expected
        assert not publish._pending(root) and leftovers(root) == []
    assert mixes_on_disk > 0, "some kills land between two renames: the journal is what makes them safe"


def test_a_signal_during_the_publish_step_stops_before_the_commit_and_is_held_after_it(sets, tmp_path):
    staged = _staged_new_set(sets, tmp_path)
    root, staging = _trial(sets, tmp_path / "dry", staged)
    _, operations = _publish_in_child(root, staging, -1, "kill")
    commit = next(i for i, op in enumerate(operations) if op.startswith("replace") and op.endswith(publish.JOURNAL))
    idle = max(i for i, op in enumerate(operations) if op.startswith("replace") and op.endswith(publish.JOURNAL))
    for stop_at in range(idle + 1):
        root, staging = _trial(sets, tmp_path / f"signal-{stop_at}", staged)
        code, ran = _publish_in_child(root, staging, stop_at, "signal")
        assert code == (3 if stop_at < commit else 0), ran  # from the commit on, the publish runs to its end
        assert not publish._pending(root)
        assert whole(root, sets) == ("new" if stop_at >= commit else "old")


def _failing_replace(monkeypatch, fails):
    """os.replace that raises EIO where ``fails(index, target)`` says so; returns the targets it was called with."""
    real, calls = os.replace, []

    def replace(source, target):
        calls.append(Path(target))
        if fails(len(calls) - 1, Path(target)):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(target))
        return real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_a_rename_that_fails_puts_the_old_files_back(sets, tmp_path, monkeypatch):
    staged = _staged_new_set(sets, tmp_path)
    for fail_at in range(11):  # the commit, then the ten moves
        root, staging = _trial(sets, tmp_path / f"fail-{fail_at}", staged)
        with monkeypatch.context() as patch:
            calls = _failing_replace(patch, lambda index, _, fail_at=fail_at: index == fail_at)
            with pytest.raises((publish.PublishError, OSError)) as raised:
                publish.publish(root, staging, PUBLISHED)
        if fail_at == 0:  # the commit itself failed: nothing was moved, and build() says so
            assert type(raised.value) is OSError and calls[0].name == publish.JOURNAL
        else:
            assert "the old files are back in place, nothing published changed" in str(raised.value)
        assert not publish._pending(root)
        assert whole(root, sets) == "old"
        publish.discard(root, staging)
        assert leftovers(root) == []


def test_a_journal_that_cannot_be_closed_leaves_the_new_set_for_the_next_build_to_close(sets, tmp_path, monkeypatch):
    staged = _staged_new_set(sets, tmp_path)
    root, staging = _trial(sets, tmp_path / "root", staged)
    with monkeypatch.context() as patch:
        _failing_replace(patch, lambda index, target: index > 1 and target.name == publish.JOURNAL)
        with pytest.raises(publish.PublishError, match="the new files are published"):
            publish.publish(root, staging, PUBLISHED)
    assert publish._pending(root) and whole(root, sets) == "new"
    with publish.locked(root):
        pass
    assert not publish._pending(root) and whole(root, sets) == "new" and leftovers(root) == []


@pytest.mark.parametrize("failing", ["every rename", "the moves"])
def test_when_putting_the_old_files_back_fails_too_the_next_build_finishes_one_way(sets, tmp_path, monkeypatch,
                                                                                   failing):
    staged = _staged_new_set(sets, tmp_path)
    for fail_from in range(1, 11):
        root, staging = _trial(sets, tmp_path / f"fail-{fail_from}", staged)
        with monkeypatch.context() as patch:
            _failing_replace(patch, lambda index, target, fail_from=fail_from: index >= fail_from and (
                failing == "every rename" or target.name != publish.JOURNAL))
            with pytest.raises(publish.PublishError) as raised:
                publish.publish(root, staging, PUBLISHED)
        publish.discard(root, staging)
        if publish._pending(root):
            assert "and so did putting the old ones back" in str(raised.value)
            assert raised.value.hint and "the next build finishes the publish" in raised.value.hint
            assert staging.is_dir(), "the staging folder is kept while the journal needs it"
        with publish.locked(root):
            pass
        # Every rename failing, the journal never left 'forward'; only the moves failing, it went 'back'.
        assert whole(root, sets) == ("new" if failing == "every rename" else "old")
        assert not publish._pending(root) and leftovers(root) == []


# ---------------------------------------------------------------- readers


def test_a_reader_reads_again_when_a_publish_commits_while_it_reads(sets, tmp_path):
    staged = _staged_new_set(sets, tmp_path)
    root, staging = _trial(sets, tmp_path / "root", staged)
    attempts = []

    def read():
        descriptor = (root / "datapackage.json").read_bytes()
        if not attempts:
            publish.publish(root, staging, PUBLISHED)  # a build publishes right now
        attempts.append(descriptor)
        return descriptor, published(root)

    descriptor, files = publish.consistent_read(root, read)
    assert len(attempts) == 2, "the first read overlapped a publish"
    assert attempts[0] == sets["OLD"]["datapackage.json"], "without the journal, this reader would have mixed sets"
    assert descriptor == files["datapackage.json"] and files == sets["NEW"]


def test_a_reader_refuses_an_unusable_journal(sets, tmp_path):
    root = copy_project(sets["old"], tmp_path / "root")
    for content in (b"{", b"[]", json.dumps({"state": "forward", "generation": "x", "staging": "../../etc",
                                              "paths": ["build"]}).encode(),
                    json.dumps({"state": "forward", "generation": "x", "staging": ".build-a",
                                "paths": ["../outside"]}).encode(), b" " * 70000):
        (root / publish.JOURNAL).write_bytes(content)
        with pytest.raises(publish.PublishError, match="not a journal this package wrote"):
            publish.consistent_read(root, lambda: None)
    (root / publish.JOURNAL).unlink()
    os.mkfifo(root / publish.JOURNAL)
    with pytest.raises(publish.PublishError, match="not a journal this package wrote"):
        publish.consistent_read(root, lambda: None)


def test_readers_never_see_a_mix_while_builds_publish(sets, tmp_path):
    import contratville_data as cv

    root = copy_project(sets["old"], tmp_path / "root")
    expected = {name: cv.load_all(root=sets[name]) for name in ("old", "new")}
    script = ("import shutil, sys\nfrom pathlib import Path\nfrom contratville_data.build import build\n"
              "root, old, new = map(Path, sys.argv[1:])\n"
              "for i in range(4):\n"
              "    source = new if i % 2 == 0 else old\n"
              "    for name in ('defis.csv', 'sources.csv'):\n"
              "        shutil.copy2(source / 'raw' / name, root / 'raw' / name)\n"
              "    build(root)\n")
    builder = subprocess.Popen([sys.executable, "-c", script, str(root), str(sets["old"]), str(sets["new"])],
                               stderr=subprocess.PIPE)
    reads = {"load_all": 0, "files": 0, "calls": 0}

    def slow_read():
        reads["calls"] += 1
        descriptor = json.loads((root / "datapackage.json").read_bytes())
        files = {}
        for resource in descriptor["resources"]:
            time.sleep(0.01)
            files[resource["path"]] = (root / resource["path"]).read_bytes()
        return descriptor, files

    while builder.poll() is None:
        tables = cv.load_all(root=root)
        reads["load_all"] += 1
        assert any(all(tables[t].equals(expected[s][t]) for t in tables) for s in expected), "load mixed two sets"
        descriptor, files = publish.consistent_read(root, slow_read)
        reads["files"] += 1
        for resource in descriptor["resources"]:
            data = files[resource["path"]]
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), "descriptor and files disagree"
    assert builder.wait() == 0, builder.stderr.read().decode() if builder.stderr else ""
    assert reads["load_all"] > 3 and reads["files"] > 3, reads
    print(reads)


# ---------------------------------------------------------------- whole builds


def test_builds_killed_at_random_moments_leave_a_whole_set_and_the_next_build_cleans_up(sets, checkout):
    rng = random.Random(11)
    duration = sets["seconds"] + 1.0  # a build in a fresh process: imports, then what the fixture's build took
    seen = set()
    for kill in range(4):  # each build publishes the other set, so a late kill shows which one is published
        for name in ("defis.csv", "sources.csv"):
            shutil.copy2(sets["old" if kill % 2 else "new"] / "raw" / name, checkout / "raw" / name)
        run = subprocess.Popen([*BUILD, str(checkout)], stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        run.kill()
        run.wait()
        if publish._pending(checkout):
            seen.add("half published")
        else:
            seen.add(whole(checkout, sets))
            assert read_published(checkout, sets) in ("old", "new")
    for name in ("defis.csv", "sources.csv"):
        shutil.copy2(sets["new"] / "raw" / name, checkout / "raw" / name)
    done = subprocess.run([*BUILD, str(checkout)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert whole(checkout, sets) == "new"
    assert leftovers(checkout) == [], "the next build removes the staging folders killed builds left"
    assert not publish._pending(checkout)
    print(seen)


CRASHING_BUILD = """
import os, sys
from contratville_data import publish
real, stop_at, ran = os.replace, int(os.environ["CRASH_AT"]), []
original = publish.publish
def crashing(*args, **kwargs):
    def replace(*a, **k):
        if len(ran) == stop_at:
            os._exit(137)
        ran.append(a)
        return real(*a, **k)
    os.replace = replace
    return original(*args, **kwargs)
publish.publish = crashing
from contratville_data.cli import main
main(prog_name="contratville-data")
"""


def test_the_cli_finishes_a_publish_a_killed_build_left_half_done(sets, checkout):
    import contratville_data as cv

    crashed = subprocess.run([sys.executable, "-c", CRASHING_BUILD, "build", "--root", str(checkout)],
                             capture_output=True, text=True, env={**os.environ, "CRASH_AT": "2"})
    assert crashed.returncode == 137, crashed.stderr
    assert publish._pending(checkout) and published(checkout) not in (sets["OLD"], sets["NEW"])
    with pytest.raises(publish.PublishError, match="run `contratville-data build`"):
        cv.load("defis", root=checkout)
    done = subprocess.run([*BUILD, str(checkout)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert whole(checkout, sets) == "new" and leftovers(checkout) == []
    assert cv.load("defis", root=checkout)["aim"].str.contains("les sports").any()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_build_with_a_message_and_nothing_published_changes(sets, checkout, number):
    run = subprocess.Popen([sys.executable, "-m", "contratville_data", "build", "--root", str(checkout)],
                           stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    for line in run.stderr:
        if line.startswith("read raw/"):
            break
    run.send_signal(number)
    rest = run.stderr.read()
    assert run.wait() == 1, rest
    assert f"interrupted by {signal.Signals(number).name} before publishing; nothing published changed" in rest
    assert "Traceback" not in rest
    assert whole(checkout, sets) == "old" and leftovers(checkout) == []


# ---------------------------------------------------------------- read-only folders, a full disk


def _can_mount_privately() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "mount", "--bind", "-o", "ro",
                           "/", "/"], capture_output=True).returncode == 0


def _read_only(folder: Path, command: list[str]) -> subprocess.CompletedProcess:
    """Run ``command`` with ``folder`` read-only: by its mode for an ordinary user; as root, who writes through
    modes, by a read-only bind mount in a private mount namespace."""
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            return subprocess.run(command, capture_output=True, text=True)
        finally:
            folder.chmod(mode)
    require(_can_mount_privately(), "a private mount namespace (unshare)",
            "util-linux's unshare and the right to mount (CAP_SYS_ADMIN), as root outside unprivileged containers")
    wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
               'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder)]
    return subprocess.run(wrapper + command, capture_output=True, text=True)


def _everything(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != publish.LOCK}


@pytest.mark.parametrize("folder", ["docs", "build", "."])
def test_a_read_only_folder_is_a_message_and_changes_nothing(sets, checkout, folder):
    (checkout / publish.LOCK).touch()
    before = _everything(checkout)
    done = _read_only(checkout / folder, [*BUILD, str(checkout)])
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "[publish]" in done.stderr and "nothing published changed" in done.stderr, done.stderr
    assert "read-only" in done.stderr.lower() or "Read-only file system" in done.stderr, done.stderr
    assert _everything(checkout) == before and leftovers(checkout) == []


def test_a_file_size_limit_is_a_message_and_changes_nothing(sets, checkout):
    import resource

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))

    before = _everything(checkout)
    done = subprocess.run([*BUILD, str(checkout)], capture_output=True, text=True, preexec_fn=small_files)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot write the build: " in done.stderr and "free some disk space" in done.stderr, done.stderr
    assert _everything(checkout) == before and leftovers(checkout) == []


FULL_DISK = """
import hashlib, json, shutil, subprocess, sys
from pathlib import Path
source, disk = Path(sys.argv[1]), Path(sys.argv[2])
used = sum(p.stat().st_size for p in source.rglob("*") if p.is_file())
subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={used // 1024 + 384}k", "tmpfs", str(disk)], check=True)
shutil.copytree(source, disk, dirs_exist_ok=True)
def digest():
    return {p.relative_to(disk).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(disk.rglob("*")) if p.is_file() and p.name != ".build.lock"}
before = digest()
done = subprocess.run(sys.argv[3:] + [str(disk)], capture_output=True, text=True)
print(json.dumps({"code": done.returncode, "stderr": done.stderr, "same": digest() == before,
                  "leftovers": [p.name for p in disk.glob(".build-*")]}))
"""


def test_a_full_disk_is_a_message_and_changes_nothing(sets, checkout, tmp_path):
    require(os.geteuid() == 0 and _can_mount_privately(), "a private mount namespace (unshare) to mount a small disk",
            "util-linux's unshare and the right to mount (CAP_SYS_ADMIN), as root outside unprivileged containers")
    disk = tmp_path / "disk"
    disk.mkdir()
    run = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable, "-c", FULL_DISK,
                          str(checkout), str(disk), *BUILD], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["code"] == 1, report["stderr"]
    assert "Traceback" not in report["stderr"]
    assert "cannot write the build: " in report["stderr"] and "free some disk space" in report["stderr"]
    assert report["same"] and report["leftovers"] == []
