"""The ``contratville-data`` command: a thin click layer over the Python API."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from .process_settings import apply_process_settings

apply_process_settings()  # before pyarrow or NumPy is loaded

#: Whether a finished validation may end the process at once (``run``, the installed command, sets it).
_quick_exit = False


def _project_root(root: Path) -> Path:
    missing = [name for name in ("raw", "schemas", "pyproject.toml") if not (root / name).exists()]
    if missing:
        raise click.UsageError(f"{root.resolve()} is not a contratville-data checkout (missing: {', '.join(missing)}); "
                               "run the command from a clone of the repository, or pass --root")
    return root


def _print_problems(problems) -> None:
    from .report import as_text

    if problems:
        click.echo(as_text(problems), err=True)


def _format_option(command):
    from .report import FORMATS

    return click.option("--format", "output", type=click.Choice(FORMATS), default="text", show_default=True,
                        help="How to write problems: text for people; json, github (Actions annotations) or "
                             "junit (JUnit XML) for CI.")(command)


def _emit(output: str, problems, *, suite: str, prefix: str = "", **context) -> None:
    """Write the problems in the chosen format (text goes to stderr, the others to stdout)."""
    from . import report

    if output == "text":
        _print_problems(problems)
    elif output == "json":
        click.echo(report.as_json(problems, **context))
    elif output == "github":
        if problems:
            click.echo(report.as_github(problems, prefix=prefix))
    else:
        click.echo(report.as_junit(problems, suite=suite), nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="contratville-data")
def main() -> None:
    """Build and validate the Contrat de Ville 2024–2030 data package."""


@main.command()
@click.option("--check", is_flag=True,
              help="Publish nothing; exit 1 if build/ or datapackage.json differ from what raw/ and schemas/ give.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the final line.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="The checkout to build.")
@_format_option
def build(check: bool, quiet: bool, root: Path, output: str) -> None:
    """Compile raw/ into build/ (CSV and Parquet) and datapackage.json.

    Every check runs before anything is published: if one fails, the published files are left as
    they were and the command exits 1.
    """
    from .build import build as run_build
    from .problems import ProblemsFound

    root = _project_root(root)
    progress = (lambda _: None) if quiet or output != "text" else (lambda message: click.echo(message, err=True))
    try:
        result = run_build(root, check=check, progress=progress)
    except ProblemsFound as found:
        _emit(output, found.problems, suite="contratville-data build")
        unsure = any(p.type == "publish" and "nothing published changed" not in p.message for p in found.problems)
        outcome = "see above for what is published" if unsure else "nothing published changed"
        click.echo(f"build failed: {len(found.problems)} problem(s); {outcome}", err=True)
        sys.exit(1)
    if output != "text":
        _emit(output, [], suite="contratville-data build")
    if check and result.stale:
        for path in result.stale:
            click.echo(f"stale: {path}", err=True)
        click.echo("build --check failed: run `contratville-data build` and commit the result", err=True)
        sys.exit(1)
    rows = sum(result.tables.values())
    verb = "up to date" if check else "built"
    click.echo(f"{verb}: {len(result.tables)} tables, {rows} rows, {len(result.files)} files", err=output != "text")


@main.command()
@click.argument("descriptor", default="datapackage.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--allow-remote", is_flag=True,
              help="Allow remote (http/https) resources, schemas, dialects and profiles; without it nothing "
                   "is fetched.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Refuse data files larger than this many bytes, once decompressed (default: 2 GiB).")
@click.option("--max-rows", type=click.IntRange(min=1), default=None, help="Check at most this many rows per CSV.")
@click.option("--max-errors", type=click.IntRange(min=1), default=None,
              help="Report at most this many problems (default: 1000).")
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop and report after this many seconds (default: 300).")
@click.option("--max-line-bytes", type=click.IntRange(min=1), default=None,
              help="Refuse CSV lines longer than this many bytes (default: 1 MiB).")
@click.option("--max-columns", type=click.IntRange(min=1), default=None,
              help="Refuse tables with more columns than this (default: 1000).")
@_format_option
def validate(descriptor: Path, as_json: bool, allow_remote: bool, max_bytes, max_rows, max_errors, max_seconds,
             max_line_bytes, max_columns, output: str) -> None:
    """Validate a data package (default: ./datapackage.json).

    Exit 0 when valid, 1 when invalid, 2 on a usage error (such as a missing descriptor). Nothing
    is fetched without --allow-remote; every file is held to the bounds below, and whatever the
    input, the outcome is a list of problems, never a traceback.
    """
    from . import validate as v
    from .problems import Problem

    if not descriptor.is_file():
        raise click.BadParameter(f"no such file: {descriptor}", param_hint="DESCRIPTOR")
    from .publish import PublishError, consistent_read

    def run() -> v.ValidationReport:
        return v.validate_package(descriptor, allow_remote=allow_remote, max_rows=max_rows,
                                  max_file_bytes=max_bytes or v.MAX_FILE_BYTES,
                                  max_problems=max_errors or v.MAX_PROBLEMS,
                                  max_seconds=max_seconds or v.MAX_SECONDS,
                                  max_line_bytes=max_line_bytes or v.MAX_LINE_BYTES,
                                  max_columns=max_columns or v.MAX_COLUMNS)

    try:  # one whole published set, if a build publishes the package meanwhile (it never writes)
        report = consistent_read(descriptor.parent, run, wait=float(max_seconds or v.MAX_SECONDS))
    except PublishError as failure:
        report = v.ValidationReport(str(descriptor), [failure.problem()])
    except Exception as err:  # noqa: BLE001 - untrusted input: a message, never a traceback
        report = v.ValidationReport(str(descriptor), [Problem("unexpected-error", f"{type(err).__name__}: "
                                                              f"{str(err)[:500]}", file=descriptor.name)])
    output = "json" if as_json else output
    folder = descriptor.parent.as_posix()
    _emit(output, report.problems, suite="contratville-data validate",
          prefix="" if folder == "." else f"{folder}/", descriptor=report.descriptor, resources=report.resources)
    state = "valid" if report.valid else f"invalid: {len(report.problems)} problem(s)"
    if output != "json":
        click.echo(f"{descriptor}: {state} ({len(report.resources)} resources)", err=output != "text")
    _exit(0 if report.valid else 1)


def _exit(code: int) -> NoReturn:
    """Exit with ``code``; in the installed command, without the interpreter's teardown.

    Freeing the Arrow buffers, modules and objects of a large validation one by one takes a few
    hundredths of a second that nobody waits for (mypy ends the same way). The output is flushed
    first; if it cannot be, Python's own exit reports why.
    """
    if _quick_exit:
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
        except OSError:
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the release into (default: dist/release-<version>/ in the checkout).")
@click.option("--base-url", default=None,
              help="Absolute http(s) address where the unpacked zip is served; every download URL is built from "
                   "it (default: releaseBaseUrl in schemas/package.json). Required: portals need absolute URLs.")
@click.option("--ckan-organization", default=None,
              help="Name of the CKAN organisation that will own the dataset (CKAN refuses a dataset without one).")
@click.option("--boundaries", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Commune boundaries (GeoJSON) for the spatial coverage (default: raw/communes.geojson).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="The checkout to release.")
def release(out: Path | None, base_url: str | None, ckan_organization: str | None, boundaries: Path | None,
            root: Path) -> None:
    """Write the release of the current version: a zipped Data Package, DCAT-AP and CKAN metadata, notes.

    Refuses (exit 2) without an absolute http(s) base URL; refuses (exit 1, nothing written) when
    pyproject.toml, CHANGELOG.md and datapackage.json disagree on the version, when build/ is stale,
    or when the zipped package does not validate on its own.
    """
    from .problems import ProblemsFound
    from .release import ReleaseError, ReleaseUsageError
    from .release import release as run_release

    root = _project_root(root)
    try:
        result = run_release(root, out=out, base_url=base_url, boundaries=boundaries,
                             ckan_organization=ckan_organization, progress=lambda m: click.echo(m, err=True))
    except ReleaseUsageError as err:
        raise click.UsageError(str(err)) from None
    except ProblemsFound as found:
        _print_problems(found.problems)
        click.echo(f"release failed: {len(found.problems)} problem(s); nothing written", err=True)
        sys.exit(1)
    except (ReleaseError, ValueError) as err:
        click.echo(f"error: {err}", err=True)
        click.echo("release failed; nothing written", err=True)
        sys.exit(1)
    for name in result.files:
        click.echo(f"wrote {result.out / name}", err=True)
    if ckan_organization is None:
        click.echo("note: ckan.json names no organisation; pass --ckan-organization before giving it to CKAN",
                   err=True)
    click.echo(f"released {result.version}: {len(result.files)} files in {result.out}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the site into: empty, or a site written before.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="The checkout whose published package the site shows.")
def site(out: Path, root: Path) -> None:
    """Write the package's web page: a static site in French (no server, works from file://)."""
    from .geo import SOURCE_LABEL
    from .site import SiteError, write_site

    root = _project_root(root)
    try:
        written = write_site(root, out, root / SOURCE_LABEL)
    except SiteError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    click.echo(f"wrote {len(written)} files; open {out / 'index.html'}")


@main.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Refuse files larger than this many bytes, once decompressed (default: 2 GiB).")
@click.option("--max-cells", type=click.IntRange(min=1), default=None,
              help="Refuse packages holding more cells than this, each (default: 10 million; about 100 bytes "
                   "of memory a cell).")
def diff(old: Path, new: Path, as_json: bool, max_bytes, max_cells) -> None:
    """Compare two packages (each a datapackage.json or a release zip), table by table.

    Exit 0 when identical, 1 when different, 2 on a usage error (such as a missing file) or a package
    that cannot be compared (the message says why: packages may come from anyone).
    """
    from .diff import Bounds, DiffError, diff_packages, render_text
    from .limits import MAX_DIFF_CELLS, MAX_FILE_BYTES

    try:
        result = diff_packages(old, new, Bounds(max_bytes or MAX_FILE_BYTES, max_cells or MAX_DIFF_CELLS))
    except DiffError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    except Exception as err:  # noqa: BLE001 - untrusted input: a message, never a traceback
        click.echo(f"error: cannot compare these packages ({type(err).__name__}: {str(err)[:500]})", err=True)
        sys.exit(2)
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if as_json else render_text(result))
    sys.exit(0 if result.identical else 1)


def run() -> None:
    """The installed ``contratville-data`` command (and ``python -m contratville_data``)."""
    global _quick_exit
    _quick_exit = True
    main(prog_name="contratville-data")
