"""Property-based: random damage to raw/ never gives a traceback, and a failed build publishes nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from contratville_data.cli import main

from .conftest import PROJECT_FILES, ROOT, published_bytes

RAW_FILES = sorted(p.name for p in (ROOT / "raw").glob("*.csv"))
#: Bytes that spreadsheets and hand edits typically introduce.
NASTY = [b",", b";", b'"', b"\n", b"\r\n", b" ", b"\t", b"=", b"+", b"-", b"@", b"\xe9", b"\xff", b"\xef\xbb\xbf",
         b"0", b"9", b"a", b"Z", b""]


@st.composite
def damage(draw):
    """A raw file and a function that damages its bytes."""
    name = draw(st.sampled_from(RAW_FILES))
    size = len((ROOT / "raw" / name).read_bytes())
    kind = draw(st.sampled_from(["replace", "insert", "delete", "duplicate-line", "swap-lines", "truncate"]))
    at = draw(st.integers(0, size - 1))
    length = draw(st.integers(1, 20))
    piece = draw(st.sampled_from(NASTY))
    other = draw(st.integers(0, 60))

    def apply(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        if kind == "replace":
            return data[:at] + piece + data[at + 1:]
        if kind == "insert":
            return data[:at] + piece + data[at:]
        if kind == "delete":
            return data[:at] + data[at + length:]
        if kind == "duplicate-line":
            return b"".join(lines + [lines[other % len(lines)]])
        if kind == "swap-lines":
            i, j = other % len(lines), at % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
            return b"".join(lines)
        return data[:at]

    return name, kind, apply


def _copy_project(target: Path) -> None:
    for name in PROJECT_FILES:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / name)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(damage())
def test_damaged_raw_never_crashes_and_a_failed_build_publishes_nothing(case):
    name, kind, apply = case
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        _copy_project(project)
        path = project / "raw" / name
        path.write_bytes(apply(path.read_bytes()))
        raw_after_damage = path.read_bytes()
        before = published_bytes(project)

        result = CliRunner().invoke(main, ["build", "--root", str(project)])

        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        event(f"{kind}: exit {result.exit_code}")
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output
        assert path.read_bytes() == raw_after_damage, "raw/ is never written"
        if result.exit_code == 1:
            assert "error: raw/" in result.output or "error: build/" in result.output, result.output
            assert published_bytes(project) == before
        else:
            assert CliRunner().invoke(main, ["validate", str(project / "datapackage.json")]).exit_code == 0


def test_a_build_waits_for_the_lock_of_a_build_under_way(project):
    from filelock import FileLock

    path = project / "raw" / "defis.csv"
    path.write_bytes(path.read_bytes().replace(b"le sport", b"les sports"))
    before = published_bytes(project)
    command = [sys.executable, "-m", "contratville_data", "build", "--quiet", "--root", str(project)]
    with FileLock(str(project / ".build.lock")):
        waiting = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=5)
        assert published_bytes(project) == before, "nothing is published while another build holds the lock"
    assert waiting.wait(timeout=120) == 0
    assert b"les sports" in (project / "build" / "defis.csv").read_bytes()


def test_two_builds_at_the_same_time_do_not_interleave(project):
    path = project / "raw" / "defis.csv"
    path.write_bytes(path.read_bytes().replace(b"le sport", b"les sports"))
    command = [sys.executable, "-m", "contratville_data", "build", "--quiet", "--root", str(project)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0]
    assert CliRunner().invoke(main, ["validate", str(project / "datapackage.json")]).exit_code == 0
    assert CliRunner().invoke(main, ["build", "--check", "--root", str(project)]).exit_code == 0
    assert not list(project.glob(".build-*")), "no staging folder is left behind"
