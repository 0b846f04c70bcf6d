"""Release bundle of the current version: a zipped Data Package, DCAT and CKAN metadata, release notes.

The zip holds ``datapackage.json`` at its top, so Frictionless opens it as a package. Portal metadata
needs absolute download URLs: without an http(s) base URL nothing is written. Every output is
byte-for-byte reproducible: zip entries are sorted and dated with the release date of the
CHANGELOG; the metadata files are built only from the descriptor, ``schemas/package.json``, the
CHANGELOG, the data, the commune boundaries and the base URL.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .problems import ProblemsFound

#: Files and folders of the checkout that the zip carries besides the descriptor's own files.
BUNDLED = ("README.md", "LICENSE", "CHANGELOG.md", "docs/data-dictionary.md", "docs/errors.md",
           "docs/reference-facts.md")
#: Names of the files written beside the zip: strict DCAT-AP 3.0.1, its data.gouv.fr profile, CKAN, notes.
DCAT_FILE, DATAGOUV_FILE = "dcat.jsonld", "dcat-datagouv.jsonld"
CKAN_FILE, NOTES_FILE = "ckan.json", "RELEASE_NOTES.md"
#: The folder of the zip holding the package's web site, which the portal metadata gives as landing page.
SITE_DIR = "site"
#: The commune boundaries (GeoJSON, property ``code``) giving the spatial coverage, by default.
BOUNDARIES = "raw/communes.geojson"


class ReleaseError(Exception):
    """The checkout cannot be released as it is; the message says why."""


class ReleaseUsageError(ValueError):
    """An option the release cannot be made with (a usage error, exit 2); the message says what to pass."""


class BaseUrlRequired(ReleaseUsageError):
    """No absolute http(s) base URL: portal metadata would carry relative URLs."""


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
    """The address of a package file: ``base_url`` joined to its package-relative path."""
    return f"{base_url.rstrip('/')}/{path}"


def check_base_url(base_url: str | None) -> None:
    """Raise BaseUrlRequired unless ``base_url`` is an absolute http(s) address with a host."""
    from urllib.parse import urlsplit

    how = ("pass --base-url https://<where the unpacked package is served> (or set releaseBaseUrl in "
           "schemas/package.json): portals need absolute download URLs")
    if not base_url:
        raise BaseUrlRequired(f"no base URL: {how}")
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise BaseUrlRequired(f"{base_url!r} is not an http(s) address; {how}")


def release(root: Path, *, out: Path | None = None, base_url: str | None = None,
            boundaries: Path | None = None, ckan_organization: str | None = None,
            progress: Callable[[str], None] = lambda _: None) -> ReleaseResult:
    """Write the release of the checkout at ``root`` into ``out`` (default: :func:`default_out`).

    ``base_url`` (default: ``releaseBaseUrl`` of ``schemas/package.json``) is the absolute address of
    the unpacked package; ``boundaries`` the communes' GeoJSON (default: :data:`BOUNDARIES`);
    ``ckan_organization`` the CKAN organisation that will own the dataset (ValueError if CKAN would
    refuse its name). Raises
    BaseUrlRequired without an http(s) base URL; ReleaseError when versions disagree, build/ is
    stale or the boundaries do not fit; ProblemsFound when the zipped package does not validate on
    its own. Nothing is written to ``out`` unless all succeeds.
    """
    from .build import build
    from .metadata import package_metadata, project_version, releases
    from .site import SiteError, write_site
    from .validate.descriptor import read_descriptor

    root = root.resolve()
    metadata = package_metadata(root)
    base_url = metadata["releaseBaseUrl"] if base_url is None else base_url
    check_base_url(base_url)
    if ckan_organization is not None:
        from .ckan import CKAN_NAME

        if not CKAN_NAME.fullmatch(ckan_organization):
            raise ReleaseUsageError(f"{ckan_organization!r} is not a CKAN organisation name: pass its name "
                                    "(2 to 100 of a-z, 0-9, - and _) with --ckan-organization")
    if not (root / "datapackage.json").is_file():
        raise ReleaseError("datapackage.json is missing: run `contratville-data build` first")
    descriptor, problems = read_descriptor(root / "datapackage.json")
    if descriptor is None:
        raise ProblemsFound(problems)
    history = releases(root)
    version = project_version(root)
    _check_versions(version, history[0].version, descriptor.get("version"))
    stale = build(root, check=True).stale
    if stale:
        raise ReleaseError(f"build/ is stale ({', '.join(stale)}): run `contratville-data build` first")
    progress(f"checked: version {version}, build up to date")
    boundaries = boundaries or root / BOUNDARIES
    if not boundaries.is_file():
        raise ReleaseError(f"{boundaries}: the commune boundaries are missing; the spatial coverage of the "
                           f"portal metadata and the site's map are drawn from them")
    out = (out or default_out(root, version)).resolve()
    stem = f"{descriptor['name']}-{version}"
    with tempfile.TemporaryDirectory(prefix=".release-") as tmp:
        staging = Path(tmp)
        zip_name = f"{stem}.zip"
        coverage = _coverage(boundaries, descriptor, root)
        try:
            write_site(root, staging / SITE_DIR, boundaries)
        except SiteError as err:
            raise ReleaseError(f"the web site cannot be written: {err}") from None
        _write_zip(root, descriptor, staging / zip_name, history[0].date, staging / SITE_DIR)
        package_dir = _check_standalone(staging / zip_name, staging / "unpacked")
        progress(f"wrote {zip_name}; it validates on its own")
        located = _locate(descriptor, package_dir, base_url)
        period = _contract_period(descriptor, package_dir)
        dates = {"issued": history[-1].date, "modified": history[0].date}
        _write_metadata(staging, descriptor, metadata, located, period, dates, base_url, coverage,
                        history[0].notes, ckan_organization)
        result = ReleaseResult(version, out, base_url, [zip_name, DCAT_FILE, DATAGOUV_FILE, CKAN_FILE, NOTES_FILE])
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
    from .formats import PACKAGE_FORMATS

    files = {"datapackage.json"} | {f"build/{name}" for fmt in PACKAGE_FORMATS for name in fmt.companions}
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


def _write_zip(root: Path, descriptor: dict, path: Path, date: str, site: Path) -> None:
    """A zipped Data Package: ``datapackage.json`` first, at the top, then the other files sorted, then
    the web site under ``site/``; all dated ``date`` at midnight, mode 644, so the same checkout gives
    the same bytes."""
    year, month, day = (int(part) for part in date.split("-"))
    date_time = (year, month, day, 0, 0, 0)
    names = _bundled_files(root, descriptor)
    members = [(name, root / name) for name in ["datapackage.json"] + [n for n in names if n != "datapackage.json"]]
    members += [(f"{SITE_DIR}/{p.relative_to(site).as_posix()}", p)
                for p in sorted(site.rglob("*"), key=lambda p: p.relative_to(site).as_posix()) if p.is_file()]
    with zipfile.ZipFile(path, "w") as archive:
        for name, source in members:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the permissions below are read everywhere
            info.external_attr = 0o100644 << 16
            archive.writestr(info, source.read_bytes(), compresslevel=9)


def _check_standalone(zip_path: Path, into: Path) -> Path:
    """Unpack the zip and validate the package it holds; return the package folder."""
    from .validate import validate_package

    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    report = validate_package(into / "datapackage.json")
    if not report.valid:
        raise ProblemsFound(report.problems)
    return into


def _locate(descriptor: dict, package_dir: Path, base_url: str) -> dict[str, dict]:
    """Per resource name: download ``url``, size in ``bytes``, and its Table Schema's ``schema_url``."""
    located = {}
    for resource in descriptor["resources"]:
        located[resource["name"]] = {"url": download_url(base_url, resource["path"]),
                                     "bytes": (package_dir / resource["path"]).stat().st_size}
        if isinstance(resource.get("schema"), str):
            located[resource["name"]]["schema_url"] = download_url(base_url, resource["schema"])
    return located


def _rows(descriptor: dict, package_dir: Path, name: str) -> list[dict]:
    """The rows of the CSV resource ``name``, as strings."""
    resource = next(r for r in descriptor["resources"] if r["name"] == name)
    text = (package_dir / resource["path"]).read_text(encoding=resource.get("encoding", "utf-8"))
    return list(csv.DictReader(io.StringIO(text)))


def _contract_period(descriptor: dict, package_dir: Path) -> tuple[str, str]:
    """(first day, last day) of the contract's years, from the ``contract`` table: 2024–2030 gives
    2024-01-01 and 2030-12-31."""
    rows = _rows(descriptor, package_dir, "contract")
    start = min((row["period_start_year"] for row in rows), key=int)
    end = max((row["period_end_year"] for row in rows), key=int)
    return f"{int(start):04d}-01-01", f"{int(end):04d}-12-31"


def _coverage(boundaries: Path, descriptor: dict, package_dir: Path) -> dict:
    """The spatial coverage of the communes of the ``communes`` table, from their boundaries."""
    from .dcat import spatial_coverage

    try:
        geojson = json.loads(boundaries.read_text(encoding="utf-8"))
        codes = [row["commune_code"] for row in _rows(descriptor, package_dir, "communes")]
        return spatial_coverage(geojson, codes)
    except FileNotFoundError:
        raise ReleaseError(f"{boundaries}: the commune boundaries are missing; the spatial coverage of the "
                           f"portal metadata is computed from them") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError, KeyError, TypeError) as err:
        raise ReleaseError(f"{boundaries}: not usable as commune boundaries ({err})") from None


def _write_metadata(staging: Path, descriptor: dict, metadata: dict, located: dict, period: tuple[str, str],
                    dates: dict, base_url: str, coverage: dict, notes: str, ckan_organization: str | None) -> None:
    from .ckan import ckan_package
    from .dcat import dcat_catalogue

    def dump(name: str, document: dict) -> None:
        (staging / name).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    for name, profile in ((DCAT_FILE, "dcat-ap"), (DATAGOUV_FILE, "datagouv")):
        dump(name, dcat_catalogue(descriptor, metadata["portal"], metadata["translations"], located, period, dates,
                                  base_url, coverage, profile))
    dump(CKAN_FILE, ckan_package(descriptor, located, period, dates, owner_org=ckan_organization,
                                 notes=metadata["translations"]["fr"]["description"],
                                 license_url=metadata["portal"]["license"]["iri"]))
    heading = f"# {descriptor['title']} {descriptor['version']} ({dates['modified']})"
    (staging / NOTES_FILE).write_text(f"{heading}\n\n{notes}\n", encoding="utf-8")

