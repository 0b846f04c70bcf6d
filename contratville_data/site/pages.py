"""What each page shows, computed from the published tables only; templates lay it out."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from . import carte
from .package import Package, SiteError, Table
from .render import environment, markdown

#: The pages of the navigation bar: file name -> label (a page's template has its file name).
PAGES = {
    "index.html": "Accueil",
    "provenance.html": "Provenance",
    "utiliser.html": "Citer et charger",
    "changements.html": "Journal des modifications",
}
REFERENCE_FACTS = "docs/reference-facts.md"
REFERENCE_PAGE = "faits-de-reference.html"
#: Language of the descriptions and notes the package writes in its metadata and rows (English).
DATA_TEXT_LANG = "en"
INTERPRETATION = "Interpretation:"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class Cell:
    """One cell of a rendered table: its text, where it links, whether it heads its row."""

    text: str
    href: str = ""
    header: bool = False
    lang: str = ""


def table_page(name: str) -> str:
    if not _NAME.match(name):
        raise SiteError(f"table name {name!r} cannot name a page (lowercase letters, digits, . _ - only)")
    return f"table-{name}.html"


def render_pages(package: Package, geojson: Path) -> dict[str, str]:
    """Every HTML page of the site, by file name."""
    env = environment()
    env.globals.update(nav=list(PAGES.items()),
                       package_title=package.descriptor.get("title", ""), data_lang=DATA_TEXT_LANG,
                       table_page=table_page)
    common = {"tables": list(package.tables.values())}
    pages = {
        "index.html": env.get_template("index.html").render(**common, **landing(package, geojson),
                                                            current="index.html"),
        "provenance.html": env.get_template("provenance.html").render(**common, **provenance(package),
                                                                      current="provenance.html"),
        "utiliser.html": env.get_template("utiliser.html").render(**common, **usage(package),
                                                                  current="utiliser.html"),
        "changements.html": env.get_template("changements.html").render(
            **common, changelog=markdown(_read_text(package.root / "CHANGELOG.md")), current="changements.html"),
        REFERENCE_PAGE: env.get_template("reference.html").render(
            **common, facts=markdown(_read_text(package.root / REFERENCE_FACTS)), source=REFERENCE_FACTS,
            current=""),
    }
    for table in package.tables.values():
        pages[table_page(table.name)] = env.get_template("table.html").render(
            **common, table=table, rows=rendered_rows(package, table), databases=package.databases,
            references=_references(package, table), current=table_page(table.name))
    return pages


def map_communes(package: Package, geojson: Path) -> list[carte.Commune]:
    """The communes with their names (``communes``) and counts (``neighbourhood_communes``)."""
    names = {row["commune_code"]: row["name"] for row in _rows(package, "communes", "commune_code", "name")}
    links = _rows(package, "neighbourhood_communes", "commune_code", "neighbourhood_id")
    counts = Counter(row["commune_code"] for row in links)
    unknown = sorted(set(counts) - set(names))
    if unknown:
        raise SiteError(f"neighbourhood_communes: commune code(s) {', '.join(unknown)} not in communes")
    return carte.read_communes(geojson, names, dict(counts))


def landing(package: Package, geojson: Path) -> dict:
    """The landing page: the contract row, the défis in order, the map and its text alternative."""
    contract = _rows(package, "contract", "title", "epci_name", "epci_siren", "co_pilots", "period_start_year",
                     "period_end_year", "signed_on", "yearly_budget_eur", "prevention_educators",
                     "assises_participants", "assises_start_date", "assises_end_date",
                     "framework_principles", "neighbourhoods_stated", "communes_stated",
                     "inhabitants_stated", "population_share_stated_percent")
    if len(contract) != 1:
        raise SiteError(f"contract: expected one row, found {len(contract)}")
    defis = sorted(_rows(package, "defis", "position", "slogan", "aim"), key=_position)
    communes = map_communes(package, geojson)
    links = _rows(package, "neighbourhood_communes", "neighbourhood_id", "commune_code")
    neighbourhoods = {row["neighbourhood_id"]: row["name"]
                      for row in _rows(package, "neighbourhoods", "neighbourhood_id", "name")}
    by_commune: dict[str, list[str]] = {}
    for row in links:
        by_commune.setdefault(row["commune_code"], []).append(neighbourhoods.get(row["neighbourhood_id"],
                                                                                 row["neighbourhood_id"]))
    spanning = sum(1 for count in Counter(row["neighbourhood_id"] for row in links).values() if count > 1)
    return {
        "contract": contract[0],
        "defis": defis,
        "map_svg": Markup(carte.map_svg(communes, standalone=False)),
        "communes": sorted(communes, key=lambda c: (-c.count, c.name)),
        "by_commune": {code: sorted(names) for code, names in by_commune.items()},
        "links": len(links),
        "neighbourhood_count": len(neighbourhoods),
        "spanning": spanning,
    }


def provenance(package: Package) -> dict:
    """The sources (with how many rows cite each), every interpretation, the SIRENs left empty."""
    cited: Counter[str] = Counter()
    for table in package.tables.values():
        for key in table.foreign_keys:
            if key["reference"].get("resource") == "sources":
                for row in table.rows:
                    for field in key["fields"] if isinstance(key["fields"], list) else [key["fields"]]:
                        if row.get(field):
                            cited[row[field]] += 1
    interpretations = []
    for table in package.tables.values():
        for row in table.rows:
            notes = [value for value in row.values() if value.startswith(INTERPRETATION)]
            if row.get("interpreted") == "true" or notes:
                interpretations.append({"table": table, "key": _row_key(table, row), "anchor": _row_anchor(table, row),
                                        "label": _row_label(row), "notes": notes})
    signatories = _rows(package, "signatories", "name", "siren")
    table = package.table("signatories")
    without_siren = [{"name": row["name"], "anchor": _row_anchor(table, row)}
                     for row in signatories if not row["siren"]]
    return {
        "sources": _rows(package, "sources", "source_id", "title", "url", "publisher", "transcribed_on", "note"),
        "cited": cited,
        "interpretations": interpretations,
        "without_siren": without_siren,
        "signatories": len(signatories),
        "reference_page": REFERENCE_PAGE,
        "reference_source": REFERENCE_FACTS,
    }


def usage(package: Package) -> dict:
    """How to cite the package and load its files."""
    descriptor = package.descriptor
    authors = [c.get("title", "") for c in descriptor.get("contributors", []) if c.get("title")]
    licences = [item.get("title") or item.get("name", "") for item in descriptor.get("licenses", [])]
    files = {table.name: {f.format: f.path for f in table.files} for table in package.tables.values()}
    for name in ("communes", "neighbourhood_communes"):
        if not {"csv", "parquet"} <= set(files.get(name, {})):
            raise SiteError(f"{name}: the site's examples need its CSV and Parquet files")
    return {
        "authors": authors,
        "title": descriptor.get("title", ""),
        "version": descriptor.get("version", ""),
        "year": str(descriptor.get("created", ""))[:4],
        "licences": licences,
        "identifier": descriptor.get("id", ""),
        "files": files,
        "all_files": [f for table in package.tables.values() for f in table.files]
                     + package.databases + package.others,
        "databases": package.databases,
    }


def rendered_rows(package: Package, table: Table) -> list[dict]:
    """Each row as cells in field order: the first primary-key field heads its row, foreign keys and
    web addresses are links, notes carry the language they are written in."""
    key = table.primary_key[0] if table.primary_key else ""
    links = _references(package, table)
    local = set(package.copied_paths())
    result = []
    for row in table.rows:
        cells = []
        for field in table.fields:
            name = field["name"]
            value = row.get(name, "")
            href = ""
            if value and name in links:
                href = f"{table_page(links[name])}#{_anchor(value)}"
            elif re.match(r"^https?://", value):
                href = value
            elif value in local:
                href = REFERENCE_PAGE if value == REFERENCE_FACTS else value
            cells.append(Cell(value, href, header=name == key,
                              lang=DATA_TEXT_LANG if value.startswith(INTERPRETATION) else ""))
        result.append({"anchor": _row_anchor(table, row), "cells": cells})
    return result


def _references(package: Package, table: Table) -> dict[str, str]:
    """Single-field foreign keys to a table keyed by that field: field -> referenced table."""
    links = {}
    for key in table.foreign_keys:
        fields = key["fields"] if isinstance(key["fields"], list) else [key["fields"]]
        target_name = key["reference"].get("resource") or table.name
        target = package.tables.get(target_name)
        ref_fields = key["reference"].get("fields")
        ref_fields = ref_fields if isinstance(ref_fields, list) else [ref_fields]
        if len(fields) == 1 and target is not None and target.primary_key == ref_fields:
            links[fields[0]] = target_name
    return links


def _row_key(table: Table, row: dict) -> str:
    return " / ".join(row.get(field, "") for field in table.primary_key)


def _row_anchor(table: Table, row: dict) -> str:
    return _anchor(row[table.primary_key[0]]) if len(table.primary_key) == 1 else ""


def _row_label(row: dict) -> str:
    return row.get("name") or row.get("title") or ""


def _anchor(value: str) -> str:
    """A fragment identifier for a key value (keys are slugs or codes; anything else is hex-escaped)."""
    return "ligne-" + "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else f"_{ord(ch):x}"
                              for ch in value)


def _rows(package: Package, table_name: str, *columns: str) -> list[dict[str, str]]:
    """The rows of a table, checked to have ``columns``."""
    table = package.table(table_name)
    declared = {field["name"] for field in table.fields}
    missing = [column for column in columns if column not in declared]
    if missing:
        raise SiteError(f"{table_name}: the site needs the column(s) {', '.join(missing)}")
    return table.rows


def _position(row: dict[str, str]) -> int:
    try:
        return int(row["position"])
    except ValueError:
        raise SiteError(f"defis: position {row['position']!r} is not an integer") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SiteError(f"{path}: file not found; the site shows it") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SiteError(f"{path}: not readable UTF-8 text ({error})") from None
