"""Benchmark contratville-data against frictionless, in cold processes, and write docs/benchmarks.md.

Every timing is a fresh process (the way a user or CI runs a command), after one untimed warm-up;
the two commands of a comparison alternate, and the median of ``--runs`` is reported with the peak
memory (max RSS) of the process. Synthetic packages of ``--sizes`` rows (scripts/synthetic.py) show
how validation scales; frictionless is run beside it up to ``--frictionless-max`` rows. A benchmark,
not a test: nothing fails on a time. The numbers replace the part of docs/benchmarks.md between the
two ``bench`` markers, so the prose around them stays.

    python scripts/bench.py            # the full run behind docs/benchmarks.md (several minutes)
    python scripts/bench.py --quick    # 3 runs, 10k and 100k rows: a quick look, not for the docs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import synthetic

ROOT = synthetic.ROOT
BIN = Path(sys.executable).parent
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
#: What the issue asks for, as (ours / theirs) ratios no larger than these.
TARGETS = {"validate": 0.8, "build": 1.5, "import": 0.5, "synthetic": 0.3}
#: The synthetic size at which the validate target is measured, and the memory bound at the largest.
TARGET_ROWS = 200_000
MEMORY_BOUND = 1024**3
#: Validation time is linear when a straight line fits every size within this fraction.
LINEAR_TOLERANCE = 0.10


@dataclass
class Timing:
    """Medians of one command over the runs: wall seconds and peak memory in bytes."""

    label: str
    seconds: float
    max_rss: int


@dataclass
class Scale:
    """Validation of one synthetic package: cold processes, the work alone, frictionless beside it."""

    rows: int
    csv_bytes: int
    generated: Timing
    ours: Timing
    work: float
    theirs: Timing | None
    theirs_csv: Timing | None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    parser.add_argument("--sizes", default="10000,100000,200000,1000000",
                        help="comma-separated synthetic package sizes, in rows")
    parser.add_argument("--frictionless-max", type=int, default=TARGET_ROWS,
                        help="largest synthetic package frictionless validates (default 200000)")
    parser.add_argument("--quick", action="store_true", help="3 runs, sizes 10000 and 100000")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md",
                        help="Markdown file whose bench section is replaced (default docs/benchmarks.md)")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.sizes = 3, "10000,100000"
    try:
        sizes = sorted({int(size) for size in args.sizes.split(",")})
    except ValueError:
        parser.error(f"--sizes takes comma-separated integers, not {args.sizes!r}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        section = run(args.runs, sizes, args.frictionless_max)
    except BenchmarkError as err:
        sys.exit(f"error: {err}")
    write_section(args.out, section)
    print(f"wrote {args.out}")


class BenchmarkError(Exception):
    """A command failed: the benchmark of a failing command means nothing."""


def run(runs: int, sizes: list[int], frictionless_max: int) -> str:
    ours, frictionless, python = _command("contratville-data"), _command("frictionless"), [sys.executable]
    descriptor = str(ROOT / "datapackage.json")
    with tempfile.TemporaryDirectory(prefix="contratville-bench-") as tmp:
        checkout = Path(tmp) / "checkout"
        shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(".git", ".venv", "dist", "__pycache__",
                                                                      ".pytest_cache", ".hypothesis", ".build-*"))
        csv_descriptor = str(_csv_only(checkout))
        pairs = [
            ("validate", "`contratville-data validate`", ours + ["validate", descriptor],
             "`frictionless validate`", frictionless + ["validate", descriptor]),
            ("validate-csv", "`contratville-data validate`", ours + ["validate", csv_descriptor],
             "`frictionless validate`, both on the CSV resources only", frictionless + ["validate", csv_descriptor]),
            ("build", "`contratville-data build` (everything, validation included)",
             ours + ["build", "--quiet", "--root", str(checkout)],
             "`frictionless validate`", frictionless + ["validate", descriptor]),
            ("import", "`python -c 'import contratville_data'`", python + ["-c", "import contratville_data"],
             "`python -c 'import frictionless'`", python + ["-c", "import frictionless"]),
            ("load", "`load('communes')` in a fresh process",
             python + ["-c", "from contratville_data import load; load('communes')"],
             "`python -c 'import pandas'` (its floor)", python + ["-c", "import pandas"]),
        ]
        compared = {}
        for key, label_a, command_a, label_b, command_b in pairs:
            print(f"timing {key}...", flush=True)
            compared[key] = _alternate(runs, (label_a, command_a), (label_b, command_b))
        scaled = []
        for rows in sizes:
            folder = Path(tmp) / f"synthetic-{rows}"
            generated = _summary("generate", [_run_once(python + [str(Path(synthetic.__file__)), "--rows", str(rows),
                                                                  "--out", str(folder)])])
            package = folder / "datapackage.json"
            csv_bytes = sum(path.stat().st_size for path in (folder / "build").glob("*.csv"))
            print(f"timing validate on {rows} rows (generated in {generated.seconds:.1f} s)...", flush=True)
            ours_run = ("ours", ours + ["validate", str(package)])
            if rows <= frictionless_max:
                cold, theirs = _alternate(runs, ours_run, ("frictionless", frictionless + ["validate", str(package)]))
                theirs_csv = _median(runs, "frictionless, CSVs only",
                                     frictionless + ["validate", str(_csv_only(folder))])
            else:
                cold, theirs, theirs_csv = _median(runs, *ours_run), None, None
            scaled.append(Scale(rows, csv_bytes, generated, cold, _work(runs, package), theirs, theirs_csv))
    return _markdown(runs, compared, scaled)


def _csv_only(folder: Path) -> Path:
    """A copy of the folder's descriptor that keeps only its CSV resources: what frictionless reads fast."""
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r.get("format") == "csv"]
    path = folder / "datapackage-csv.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return path


def _command(name: str) -> list[str]:
    """The console script beside this Python, or ``python -m`` when it is not installed as a script."""
    script = BIN / name
    return [str(script)] if script.is_file() else [sys.executable, "-m", name.replace("-", "_")]


def _alternate(runs: int, a: tuple[str, list[str]], b: tuple[str, list[str]]) -> tuple[Timing, Timing]:
    """Both commands, alternating (a b, b a, ...) after one warm-up each."""
    samples = {a[0]: [], b[0]: []}
    for _, command in (a, b):
        _run_once(command)
    for index in range(runs):
        for label, command in (a, b) if index % 2 == 0 else (b, a):
            samples[label].append(_run_once(command))
    return _summary(a[0], samples[a[0]]), _summary(b[0], samples[b[0]])


def _median(runs: int, label: str, command: list[str]) -> Timing:
    _run_once(command)
    return _summary(label, [_run_once(command) for _ in range(runs)])


def _work(runs: int, package: Path) -> float:
    """Best seconds of ``validate_package`` alone, in one process after a warm-up: no startup, no exit.

    The best of the runs, as ``timeit`` reports: what else runs on the machine only adds time.
    """
    code = ("import sys, time\nfrom pathlib import Path\n"
            "from contratville_data.validate import validate_package\n"
            "path = Path(sys.argv[1])\nvalidate_package(path)\ntimes = []\n"
            "for _ in range(int(sys.argv[2])):\n"
            "    start = time.perf_counter()\n    assert validate_package(path).valid\n"
            "    times.append(time.perf_counter() - start)\n"
            "print(min(times))\n")
    result = subprocess.run([sys.executable, "-c", code, str(package), str(max(runs, 5))], cwd=ROOT, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise BenchmarkError(f"validate_package({package}) failed:\n{result.stderr[-2000:]}")
    return float(result.stdout)


def _summary(label: str, samples: list[tuple[float, int]]) -> Timing:
    return Timing(label, statistics.median(s for s, _ in samples), int(statistics.median(m for _, m in samples)))


def _run_once(command: list[str]) -> tuple[float, int]:
    """Wall seconds and max RSS (bytes) of one process, which must exit 0."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            tail = output.read().decode("utf-8", "replace")[-2000:]
            raise BenchmarkError(f"{' '.join(command)} exited {process.returncode}:\n{tail}")
    return elapsed, usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def _markdown(runs: int, compared: dict, scaled: list) -> str:
    lines = [START, "", f"Measured by `python scripts/bench.py` on {time.strftime('%Y-%m-%d')}: median of {runs} "
             "cold-process runs per command, the two commands of a row alternating.", "", *_machine(), "",
             "| comparison | ours (s) | theirs (s) | ratio | target | met |", "|---|---:|---:|---:|---:|---|"]
    met = []
    for key, (a, b) in compared.items():
        ratio = a.seconds / b.seconds
        target = TARGETS.get(key)
        ok = "" if target is None else ("yes" if ratio <= target else "**no**")
        met.append(ok != "**no**")
        lines.append(f"| {a.label} vs {b.label} | {a.seconds:.3f} | {b.seconds:.3f} | {ratio:.2f} | "
                     f"{'' if target is None else f'≤ {target}'} | {ok} |")
    lines += ["", "Validation of synthetic packages (`scripts/synthetic.py`; CSV and Parquet twins, all seven tables). "
              "*Cold*: the command in a fresh process (median); *work*: `validate_package()` alone, in a process that "
              "has already imported everything (no startup, no exit; best of the runs).", "",
              "| rows | CSV size | generated in (max RSS) | validate, cold (s) | max RSS | work (s) | µs per row (work) | "
              "frictionless (s) | frictionless max RSS | ratio (cold) | frictionless, CSVs only (s) | ratio to it |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for scale in scaled:
        theirs = scale.theirs
        frictionless = ("", "", "", "", "") if theirs is None else \
            (f"{theirs.seconds:.2f}", _mib(theirs.max_rss), f"{scale.ours.seconds / theirs.seconds:.3f}",
             f"{scale.theirs_csv.seconds:.2f}", f"{scale.ours.seconds / scale.theirs_csv.seconds:.2f}")
        lines.append(f"| {scale.rows:,} | {_mib(scale.csv_bytes)} | {scale.generated.seconds:.1f} s "
                     f"({_mib(scale.generated.max_rss)}) | {scale.ours.seconds:.2f} | {_mib(scale.ours.max_rss)} | "
                     f"{scale.work:.3f} | {scale.work / scale.rows * 1e6:.2f} | {' | '.join(frictionless)} |")
    lines += ["", *_synthetic_targets(scaled, met), "", END]
    return "\n".join(lines)


def _synthetic_targets(scaled: list[Scale], met: list[bool]) -> list[str]:
    """The scale targets, stated with the numbers they are judged on."""
    lines = []
    at_target = next((s for s in scaled if s.rows == TARGET_ROWS and s.theirs), None)
    if at_target:
        ratio = at_target.ours.seconds / at_target.theirs.seconds
        met.append(ratio <= TARGETS["synthetic"])
        lines.append(f"- {TARGET_ROWS:,} rows: validate takes {ratio:.3f} × frictionless's time "
                     f"(target ≤ {TARGETS['synthetic']}): {'met' if met[-1] else '**not met**'}.")
    largest = scaled[-1]
    met.append(largest.ours.max_rss < MEMORY_BOUND)
    lines.append(f"- {largest.rows:,} rows: peak memory {_mib(largest.ours.max_rss)} (target < 1 GiB): "
                 f"{'met' if met[-1] else '**not met**'}.")
    if len(scaled) > 2:
        work = _linear_fit([s.rows for s in scaled], [s.work for s in scaled])
        cold = _linear_fit([s.rows for s in scaled], [s.ours.seconds for s in scaled])
        met.append(work[2] <= LINEAR_TOLERANCE)
        lines.append(f"- Linearity, {scaled[0].rows:,} to {largest.rows:,} rows: the work fits "
                     f"{work[0]:.3f} s + {work[1] * 1e6:.2f} µs × rows within {work[2]:.0%} at every size, the cold "
                     f"command {cold[0]:.2f} s + {cold[1] * 1e6:.2f} µs × rows within {cold[2]:.0%}, start-up "
                     f"noise included; judged on the work (linear: within {LINEAR_TOLERANCE:.0%}): "
                     f"{'met' if met[-1] else '**not met**'}.")
    lines.append(f"- Every target measured in this run: {'met' if all(met) else '**not all met**'}.")
    return lines


def _linear_fit(rows: list[int], seconds: list[float]) -> tuple[float, float, float]:
    """``seconds ≈ a + b × rows`` by least relative squares: (a, b, largest deviation relative to the time).

    Relative, not absolute, errors are minimised, so that the small sizes count as much as the large.
    """
    weights = [1 / t**2 for t in seconds]
    w, x, y = sum(weights), sum(p * n for p, n in zip(weights, rows)), sum(p * t for p, t in zip(weights, seconds))
    xx = sum(p * n * n for p, n in zip(weights, rows))
    xy = sum(p * n * t for p, n, t in zip(weights, rows, seconds))
    slope = (w * xy - x * y) / (w * xx - x * x)
    intercept = (y - slope * x) / w
    deviation = max(abs(intercept + slope * n - t) / t for n, t in zip(rows, seconds))
    return intercept, slope, deviation


def _machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = next((int(line.split()[1]) * 1024 for line in _read("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal")), None)
    packages = ", ".join(f"{name} {version(name)}" for name in ("contratville-data", "frictionless", "pandas",
                                                                 "pyarrow"))
    return [f"Machine: {platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores"
            + (f", {memory / 1024**3:.0f} GiB" if memory else "") + f"; Python {platform.python_version()}; "
            + packages + "."]


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def _mib(size: int) -> str:
    return f"{size / 1024**2:.0f} MiB"


def write_section(path: Path, section: str) -> None:
    """Replace the bench section of ``path`` (created with only that section if missing)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else f"{START}\n{END}\n"
    if START not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    path.write_text(before + section + after, encoding="utf-8")


if __name__ == "__main__":
    main()
