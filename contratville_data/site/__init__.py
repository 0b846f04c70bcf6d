"""The package's own static web site, and the map of the communes as an SVG file.

``write_site(root, out, geojson)`` writes a self-contained site into ``out``: the HTML pages and their
style sheet at the top, and a copy of the published package beside them in its own layout
(``datapackage.json``, ``build/``, ``schemas/``, local sources), so every download link is relative and
the folder works from ``file://`` or from any static host, and is itself a valid data package.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .carte import map_svg
from .package import SiteError, read_package
from .pages import map_communes, render_pages

__all__ = ["SiteError", "write_map_svg", "write_site"]

STYLESHEET = "site.css"
#: Marks a folder written by write_site, which a later call may replace.
GENERATOR = '<meta name="generator" content="contratville-data">'


def write_site(root: Path, out: Path, geojson: Path) -> list[str]:
    """Write the site of the package in ``root`` into ``out``; return the files written, relative to
    ``out``, sorted. ``out`` must be absent, empty or a site written before (which is replaced); the
    same inputs give the same bytes. Raises SiteError with a readable message on bad input."""
    root, out = Path(root).resolve(), Path(out).resolve()
    package = read_package(root)
    files: dict[str, bytes] = {path: html.encode("utf-8") for path, html in render_pages(package, geojson).items()}
    files[STYLESHEET] = (Path(__file__).parent / "static" / STYLESHEET).read_bytes()
    for path in package.copied_paths():
        if path in files:
            raise SiteError(f"{path}: a package file has the name of a page of the site")
        try:
            files[path] = (root / path).read_bytes()
        except OSError as error:
            raise SiteError(f"{root / path}: cannot be read ({error.strerror})") from None
    _clear(out, root)
    try:
        for path, data in sorted(files.items()):
            target = out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    except OSError as error:
        raise SiteError(f"{error.filename}: cannot be written ({error.strerror})") from None
    return sorted(files)


def write_map_svg(root: Path, geojson: Path, path: Path) -> None:
    """Write the map of the communes of the package in ``root`` as a standalone SVG file (for the
    README), the same drawing as the landing page's."""
    package = read_package(Path(root).resolve())
    svg = map_svg(map_communes(package, geojson), standalone=True)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(svg.encode("utf-8"))


def _clear(out: Path, root: Path) -> None:
    """Make ``out`` an empty folder, refusing to touch anything but a site written before."""
    if out == root or root.is_relative_to(out):
        raise SiteError(f"{out}: the site cannot be written over the package it shows; choose another folder")
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        index = out / "index.html"
        if not (index.is_file() and GENERATOR in index.read_text(encoding="utf-8", errors="replace")):
            raise SiteError(f"{out}: not empty and not a site written by contratville-data; "
                            "choose an empty or new folder")
    try:
        if out.is_dir() and any(out.iterdir()):
            shutil.rmtree(out)
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SiteError(f"{error.filename or out}: cannot be prepared for the site ({error.strerror})") from None
