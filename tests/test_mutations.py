"""Property-based: random damage to raw/ never gives a traceback, and a failed build publishes nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import unicodedata
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


# Characters drawn from the Unicode categories the text policy refuses, put into real cells.
def _cells(types: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """(raw file, record, column) of every filled cell whose field has one of ``types``."""
    import csv

    from contratville_data.schemas import load_schemas

    schemas = load_schemas(ROOT / "schemas")
    cells = []
    for name in RAW_FILES:
        with (ROOT / "raw" / name).open(encoding="utf-8", newline="") as handle:
            records = list(csv.reader(handle))
        fields = [schemas[name.removesuffix(".csv")].field(column) for column in records[0]]
        cells += [(name, r, c) for r, record in enumerate(records[1:], 1) for c, cell in enumerate(record)
                  if cell and fields[c]["type"] in types]
    return cells


def _cell_text(cell: tuple[str, int, int]) -> str:
    import csv

    name, record, column = cell
    with (ROOT / "raw" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[record][column]


def _latin_word_letters(text: str) -> list[int]:
    """Positions of ASCII letters inside words of at least two letters."""
    import re

    return [m.start() + i for m in re.finditer(r"[A-Za-z\u00c0-\u024f]{2,}", text)
            for i, ch in enumerate(m.group()) if ch.isascii()]


TEXT_CELLS = _cells(("string",))
ANY_CELLS = _cells(("string", "integer", "number", "date", "boolean"))
#: Letters of other alphabets that look like Latin ones (Cyrillic а е о р с у х і ѕ ј, Greek ο α ε ι κ ν ρ τ υ χ).
LOOK_ALIKES = "аеорсухіѕјАВЕКМНОРСТХοαειкνρτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"
#: Precomposed letters whose decomposed (NFD) form is a letter followed by combining marks.
COMPOSED = [c for c in map(chr, range(0xC0, 0x250)) if len(unicodedata.normalize("NFD", c)) > 1 and c.isalpha()]


def _rewrite(project: Path, name: str, record: int, column: int, change) -> tuple[str, str]:
    """Rewrite one cell of a raw file with ``change(cell)``, written back as the file is written (minimal quoting)."""
    import csv
    import io

    path = project / "raw" / name
    records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    old = records[record][column]
    records[record][column] = change(old)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return old, records[record][column]


def _refused(project: Path, kinds: set[str]) -> str:
    """Build: exit 1 with a problem of one of ``kinds`` on a raw file, no traceback, nothing published changed."""
    before = published_bytes(project)
    result = CliRunner().invoke(main, ["build", "--format", "json", "--root", str(project)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    import json

    found = {p["type"] for p in json.loads(result.stdout)["problems"] if (p["file"] or "").startswith("raw/")}
    assert found & kinds, (kinds, result.stdout[:3000])
    assert published_bytes(project) == before
    return next(iter(found & kinds))


def _character(categories: list[str]):
    return st.characters(categories=categories).filter(lambda c: c != " ")  # type: ignore[arg-type]


EXPECTED = {"Cc": {"control-character", "line-ending"}, "Cf": {"invisible-character"},
            "Zl": {"invisible-character"}, "Zp": {"invisible-character"}, "Zs": {"invisible-character"},
            "Co": {"invisible-character"}}


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.sampled_from(ANY_CELLS), st.sampled_from(sorted(EXPECTED)), st.data())
def test_a_refused_character_anywhere_in_any_cell_is_reported_by_type(cell, category, data):
    character = data.draw(_character([category]), label="character")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        _copy_project(project)
        at = data.draw(st.integers(0, 1_000))
        _rewrite(project, *cell, lambda old: old[:at % (len(old) + 1)] + character + old[at % (len(old) + 1):])
        event(f"{category}: {_refused(project, EXPECTED[category])}")


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([c for c in ANY_CELLS if any(ch in "0123456789" for ch in _cell_text(c))]), st.data())
def test_a_digit_of_another_script_in_any_cell_is_refused(cell, data):
    digit = data.draw(st.characters(categories=["Nd"]).filter(lambda c: not c.isascii()), label="digit")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        _copy_project(project)
        at = data.draw(st.integers(0, 1_000))

        def swap(old: str) -> str:
            places = [i for i, ch in enumerate(old) if ch in "0123456789"]
            i = places[at % len(places)]
            return old[:i] + digit + old[i + 1:]
        _rewrite(project, *cell, swap)
        _refused(project, {"non-ascii-digit"})


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([c for c in TEXT_CELLS if _latin_word_letters(_cell_text(c))]), st.sampled_from(LOOK_ALIKES),
       st.data())
def test_a_look_alike_letter_in_a_latin_word_is_refused(cell, letter, data):
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        _copy_project(project)
        at = data.draw(st.integers(0, 1_000))

        def swap(old: str) -> str:
            places = _latin_word_letters(old)
            i = places[at % len(places)]
            return old[:i] + letter + old[i + 1:]
        _rewrite(project, *cell, swap)
        _refused(project, {"mixed-script"})


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TEXT_CELLS), st.sampled_from(COMPOSED), st.data())
def test_a_decomposed_letter_is_refused_as_not_nfc(cell, letter, data):
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        _copy_project(project)
        at = data.draw(st.integers(0, 1_000))
        decomposed = unicodedata.normalize("NFD", letter)
        _rewrite(project, *cell, lambda old: old[:at % (len(old) + 1)] + decomposed + old[at % (len(old) + 1):])
        _refused(project, {"unicode-form"})
