"""Release bundle of the current version: a self-contained zip, DCAT-AP and CKAN metadata, release notes.

Every output is byte-for-byte reproducible: zip entries are sorted and dated with the release date
of the CHANGELOG; the metadata files are built only from the descriptor, the CHANGELOG, the data
and the base URL.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .problems import ProblemsFound

#: Files and folders of the checkout that the zip carries besides the descriptor's own files.
BUNDLED = ("README.md", "LICENSE", "CHANGELOG.md", "docs/data-dictionary.md", "docs/errors.md",
           "docs/reference-facts.md", "schemas")
#: Names of the files written beside the zip.
DCAT_FILE, CKAN_FILE, NOTES_FILE = "dcat.jsonld", "ckan.json", "RELEASE_NOTES.md"


class ReleaseError(Exception):
    """The checkout cannot be released as it is; the message says why."""


@dataclass
class ReleaseResult:
    """Where the release was written, and what it holds."""

    version: str
    out: Path
    base_url: str
    files: list[str] = field(default_factory=list)


def default_out(root: Path, version: str) -> Path:
    """Where a release goes when no folder is given: ``dist/release-<version>/`` in the checkout."""
    return root / "dist" / f"release-{version}"


def download_url(base_url: str, path: str) -> str:
    """The address of a package file: ``base_url`` joined to its package-relative path, or that path alone."""
    return f"{base_url.rstrip('/')}/{path}" if base_url else path


def check_base_url(base_url: str) -> None:
    """Raise ValueError unless ``base_url`` is empty (package-relative) or an http(s) address."""
    if base_url and not base_url.startswith(("https://", "http://")):
        raise ValueError(f"{base_url!r} is not an http(s) address; leave it empty for package-relative paths")


def release(root: Path, *, out: Path | None = None, base_url: str | None = None,
            progress: Callable[[str], None] = lambda _: None) -> ReleaseResult:
    """Write the release of the checkout at ``root`` into ``out`` (default: :func:`default_out`).

    Refuses (ReleaseError) when versions disagree or build/ is stale; raises ProblemsFound when the
    bundled package does not validate on its own. Nothing is written to ``out`` unless all succeeds.
    """
    from .build import build
    from .metadata import package_metadata, project_version, releases

    root = root.resolve()
    if not (root / "datapackage.json").is_file():
        raise ReleaseError("datapackage.json is missing: run `contratville-data build` first")
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    history = releases(root)
    version = project_version(root)
    _check_versions(version, history[0].version, descriptor.get("version"))
    stale = build(root, check=True).stale
    if stale:
        raise ReleaseError(f"build/ is stale ({', '.join(stale)}): run `contratville-data build` first")
    progress(f"checked: version {version}, build up to date")
    base_url = package_metadata(root)["releaseBaseUrl"] if base_url is None else base_url
    check_base_url(base_url)
    out = (out or default_out(root, version)).resolve()
    stem = f"{descriptor['name']}-{version}"
    with tempfile.TemporaryDirectory(prefix=".release-") as tmp:
        staging = Path(tmp)
        zip_name = f"{stem}.zip"
        _write_zip(root, descriptor, staging / zip_name, stem, history[0].date)
        package_dir = _check_standalone(staging / zip_name, stem, staging / "unpacked")
        progress(f"wrote {zip_name}; it validates on its own")
        located = _locate(descriptor, package_dir, base_url)
        period = _contract_period(descriptor, package_dir)
        dates = {"issued": history[-1].date, "modified": history[0].date}
        _write_metadata(staging, descriptor, located, period, dates, history[0].notes)
        result = ReleaseResult(version, out, base_url, [zip_name, DCAT_FILE, CKAN_FILE, NOTES_FILE])
        out.mkdir(parents=True, exist_ok=True)
        for name in result.files:
            shutil.move(staging / name, out / name)
    return result


def _check_versions(project: str, changelog: str, descriptor: str | None) -> None:
    if not project == changelog == descriptor:
        raise ReleaseError(f"versions disagree: pyproject.toml {project}, CHANGELOG.md top entry {changelog}, "
                           f"datapackage.json {descriptor}; align them and rebuild")


def _bundled_files(root: Path, descriptor: dict) -> list[str]:
    """Package-relative paths of every file the zip carries, sorted."""
    files = {"datapackage.json"}
    for resource in descriptor["resources"]:
        files.add(resource["path"])
        if isinstance(resource.get("schema"), str):
            files.add(resource["schema"])
    for name in BUNDLED:
        path = root / name
        if path.is_dir():
            files |= {p.relative_to(root).as_posix() for p in path.rglob("*") if p.is_file()}
        elif path.is_file():
            files.add(name)
        else:
            raise ReleaseError(f"{name} is missing from the checkout; the release needs it")
    return sorted(files)


def _write_zip(root: Path, descriptor: dict, path: Path, stem: str, date: str) -> None:
    """A reproducible zip: sorted entries under ``stem/``, all dated ``date`` at midnight, mode 644."""
    date_time = tuple(int(part) for part in date.split("-")) + (0, 0, 0)
    with zipfile.ZipFile(path, "w") as archive:
        for name in _bundled_files(root, descriptor):
            info = zipfile.ZipInfo(f"{stem}/{name}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the permissions below are read everywhere
            info.external_attr = 0o100644 << 16
            archive.writestr(info, (root / name).read_bytes(), compresslevel=9)


def _check_standalone(zip_path: Path, stem: str, into: Path) -> Path:
    """Unpack the zip and validate the package it holds; return the package folder."""
    from .validate import validate_package

    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    package_dir = into / stem
    report = validate_package(package_dir / "datapackage.json")
    if not report.valid:
        raise ProblemsFound(report.problems)
    return package_dir


def _locate(descriptor: dict, package_dir: Path, base_url: str) -> dict[str, dict]:
    """Per resource name: download ``url``, size in ``bytes``, and its Table Schema's ``schema_url``."""
    return {resource["name"]: {"url": download_url(base_url, resource["path"]),
                               "bytes": (package_dir / resource["path"]).stat().st_size,
                               "schema_url": download_url(base_url, resource["schema"])}
            for resource in descriptor["resources"]}


def _contract_period(descriptor: dict, package_dir: Path) -> tuple[str, str]:
    """(first year, last year) of the contract, from the ``contract`` table."""
    resource = next(r for r in descriptor["resources"] if r["name"] == "contract")
    text = (package_dir / resource["path"]).read_text(encoding=resource.get("encoding", "utf-8"))
    rows = list(csv.DictReader(io.StringIO(text)))
    return (min((row["period_start_year"] for row in rows), key=int),
            max((row["period_end_year"] for row in rows), key=int))


def _write_metadata(staging: Path, descriptor: dict, located: dict, period: tuple[str, str], dates: dict,
                    notes: str) -> None:
    from .ckan import ckan_package
    from .dcat import dcat_dataset

    def dump(name: str, document: dict) -> None:
        (staging / name).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    dump(DCAT_FILE, dcat_dataset(descriptor, located, period, dates))
    dump(CKAN_FILE, ckan_package(descriptor, located, period, dates))
    heading = f"# {descriptor['title']} {descriptor['version']} ({dates['modified']})"
    (staging / NOTES_FILE).write_text(f"{heading}\n\n{notes}\n", encoding="utf-8")

