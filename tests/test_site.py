"""The static site: what it writes, from which data, and how a real browser and axe-core judge it."""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from contratville_data.site import SiteError, write_map_svg, write_site
from tests.conftest import ROOT
from tests.system import require

GEOJSON = ROOT / "raw" / "communes.geojson"
BROWSER = ROOT / "tests" / "browser"
SCREENSHOTS = BROWSER / "output"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = ("index.html", "provenance.html", "utiliser.html", "changements.html", "faits-de-reference.html")


def _geojson() -> Path:
    if not GEOJSON.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{GEOJSON} missing: CI lays shared/ beside the clone")
        pytest.skip(f"{GEOJSON} not available")
    return GEOJSON


def _csv(root: Path, name: str) -> list[dict[str, str]]:
    with (root / "build" / f"{name}.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _table_names(root: Path) -> list[str]:
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    return [r["name"] for r in descriptor["resources"] if r.get("format") == "csv"]


class _Tables(HTMLParser):
    """Every ``<table>`` of a page: its caption and its body rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        for sink in (self._cell, self._caption):
            if sink is not None:
                sink.append(data)


def _tables(page: Path) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(page.read_text(encoding="utf-8"))
    return {table["caption"]: table["rows"] for table in parser.tables}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(ROOT, out, _geojson())
    return out


def test_writes_every_page_and_a_copy_of_the_package(site):
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    names = _table_names(ROOT)
    for page in PAGES + tuple(f"table-{name}.html" for name in names):
        assert (site / page).is_file(), page
    copied = ["datapackage.json", *(r["path"] for r in descriptor["resources"]),
              *(r["schema"] for r in descriptor["resources"] if "schema" in r)]
    for path in copied:
        assert (site / path).read_bytes() == (ROOT / path).read_bytes(), path
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert text.startswith('<!DOCTYPE html>\n<html lang="fr">'), page.name


def test_same_input_same_bytes(tmp_path, site):
    again = tmp_path / "again"
    written = write_site(ROOT, again, _geojson())
    assert written == sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    for path in written:
        assert (again / path).read_bytes() == (site / path).read_bytes(), path


def test_every_row_of_every_table_is_on_its_page(site):
    for name in _table_names(ROOT):
        rows = _csv(ROOT, name)
        tables = _tables(site / f"table-{name}.html")
        shown = tables[f"Les {len(rows)} lignes de la table {name}"]
        assert shown == [list(row.values()) for row in rows], name
        resources = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["resources"]
        schema_path = next(r["schema"] for r in resources if r["name"] == name)
        schema = json.loads((ROOT / schema_path).read_text(encoding="utf-8"))
        columns = tables[f"Les {len(schema['fields'])} colonnes de la table {name}"]
        assert [row[0] for row in columns] == [field["name"] for field in schema["fields"]]
        assert [row[1] for row in columns] == [field.get("title", "") for field in schema["fields"]]


def test_download_links_give_size_and_sha256_of_the_files(site):
    for name in _table_names(ROOT):
        text = (site / f"table-{name}.html").read_text(encoding="utf-8")
        links = re.findall(
            r'<li><a href="([^"]+)" download>.*?— \w+, ([\d\u202f]+) octets?.*?<code>([0-9a-f]{64})</code>', text, re.S)
        assert {Path(href).suffix for href, _, _ in links} >= {".csv", ".parquet"}, name
        for href, size, digest in links:
            data = (site / href).read_bytes()
            assert int(size.replace("\u202f", "")) == len(data), href
            assert digest == hashlib.sha256(data).hexdigest(), href


def test_landing_page_figures_come_from_the_tables(site):
    contract = _csv(ROOT, "contract")[0]
    text = html.unescape((site / "index.html").read_text(encoding="utf-8"))
    budget = f"{int(contract['yearly_budget_eur']):,}".replace(",", "\u202f")
    assert f"{budget} €</span> par an" in text
    assert f">{contract['prevention_educators']}</span> éducateurs de prévention spécialisée" in text
    year, month, day = contract["signed_on"].split("-")
    assert f"signé le {int(day)} " in text and f" {year}." in text
    for defi in _csv(ROOT, "defis"):
        assert f"<strong>{defi['slogan']}</strong> : {defi['aim']}." in text
    assert contract["framework_principles"] in text
    counts = Counter(row["commune_code"] for row in _csv(ROOT, "neighbourhood_communes"))
    names = {row["commune_code"]: row["name"] for row in _csv(ROOT, "communes")}
    shown = _tables(site / "index.html")["Quartiers prioritaires par commune"]
    assert {(row[0], row[1], int(row[2])) for row in shown} == {(names[c], c, n) for c, n in counts.items()}
    assert len(shown) == len(names)


def test_map_draws_every_commune_named_from_the_communes_table(site):
    text = (site / "index.html").read_text(encoding="utf-8")
    svg = re.search(r"<svg .*?</svg>", text, re.S).group(0)
    tree = ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))
    ns = {"s": "http://www.w3.org/2000/svg"}
    groups = tree.findall(".//s:g[@class='commune']", ns)
    names = {row["commune_code"]: row["name"] for row in _csv(ROOT, "communes")}
    counts = Counter(row["commune_code"] for row in _csv(ROOT, "neighbourhood_communes"))
    assert sorted(g.get("data-code") for g in groups) == sorted(names)
    fills = {}
    for group in groups:
        code = group.get("data-code")
        assert group.find("s:title", ns).text.startswith(f"{names[code]} : {counts[code]} quartier")
        assert len(group.find("s:path", ns).get("d")) > 100
        fills[code] = group.find("s:path", ns).get("fill")
    labels = {t.get("data-code"): t.text for t in tree.findall(".//s:text[@class='etiquette']", ns)}
    assert labels == {code: f"{name} ({counts[code]})" for code, name in names.items()}
    by_count = {counts[code]: fill for code, fill in fills.items()}
    assert len(set(by_count.values())) == len(by_count), "each count has its own shade"
    assert "carte-titre" in svg and "carte-desc" in svg and 'role="img"' in svg


def test_readme_map_is_the_committed_svg(tmp_path):
    written = tmp_path / "carte.svg"
    write_map_svg(ROOT, _geojson(), written)
    tree = ET.parse(written)
    assert len(tree.findall(".//{http://www.w3.org/2000/svg}g[@class='commune']")) == len(_csv(ROOT, "communes"))
    committed = ROOT / "docs" / "carte-communes.svg"
    assert committed.read_bytes() == written.read_bytes(), \
        "docs/carte-communes.svg is stale: regenerate it with write_map_svg"


def test_no_resource_from_another_host(site):
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert re.findall(r'<link [^>]*href="([^"]+)"', text) == ["site.css"], page.name
        assert "<script" not in text and "<img" not in text and "<iframe" not in text, page.name
        assert not re.search(r'(src|href)="//', text), page.name
        for target in re.findall(r'href="([^"]+)"', text):
            assert re.match(r"^(https?://|#|[\w.-]+(/[\w.-]+)*(#[\w-]+)?$)", target), (page.name, target)
    css = (site / "site.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


def test_snippets_on_the_usage_page_run(site):
    text = (site / "utiliser.html").read_text(encoding="utf-8")
    python = html.unescape(re.search(r'<code class="language-python">(.*?)</code>', text, re.S).group(1))
    sql = html.unescape(re.search(r'<code class="language-sql">(.*?)</code>', text, re.S).group(1))
    counts = Counter(row["commune_code"] for row in _csv(ROOT, "neighbourhood_communes"))
    names = {row["commune_code"]: row["name"] for row in _csv(ROOT, "communes")}
    top_code, top_count = counts.most_common(1)[0]
    run = subprocess.run([sys.executable, "-c", python], cwd=site, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert re.search(rf"{re.escape(names[top_code])}\s+{top_count}\b", run.stdout), run.stdout
    duckdb = pytest.importorskip("duckdb")
    connection = duckdb.connect()
    try:
        cwd = os.getcwd()
        os.chdir(site)
        rows = connection.sql(sql.rstrip().rstrip(";")).fetchall()
    finally:
        os.chdir(cwd)
        connection.close()
    assert rows[0] == (names[top_code], top_count)


def _rewrite(root: Path, name: str, change) -> None:
    """Change one CSV of a package and declare its new size and hash, as a build would."""
    path = root / "build" / f"{name}.csv"
    path.write_bytes(change(path.read_bytes()))
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["path"] == f"build/{name}.csv":
            resource["bytes"] = path.stat().st_size
            resource["hash"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def test_text_from_data_and_changelog_is_escaped(project, tmp_path):
    _rewrite(project, "sources", lambda data: data.replace(
        "Saint-Étienne Métropole,".encode(), b"<script>alert(1)</script> & Co,", 1))
    changelog = project / "CHANGELOG.md"
    changelog.write_text(changelog.read_text(encoding="utf-8") + '\n<img src="x" onerror="alert(2)">\n',
                         encoding="utf-8")
    out = tmp_path / "site"
    write_site(project, out, _geojson())
    sources = (out / "table-sources.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in sources
    assert "<script" not in sources
    changes = (out / "changements.html").read_text(encoding="utf-8")
    assert "&lt;img src=&quot;x&quot;" in changes and "<img" not in changes


def test_refuses_a_stale_package_and_a_foreign_folder(project, tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SiteError, match="not empty and not a site"):
        write_site(project, foreign, _geojson())
    assert (foreign / "keep.txt").read_text(encoding="utf-8") == "mine"
    with pytest.raises(SiteError, match="over the package"):
        write_site(project, project, _geojson())
    out = tmp_path / "site"
    write_site(project, out, _geojson())
    write_site(project, out, _geojson())  # a site written before is replaced
    (project / "build" / "communes.csv").write_bytes((project / "build" / "communes.csv").read_bytes() + b"\n")
    with pytest.raises(SiteError, match=r"build/communes.csv: datapackage.json declares sha256:.*run `contratville"):
        write_site(project, tmp_path / "other", _geojson())


def test_refuses_a_figure_that_is_not_a_number(project, tmp_path):
    budget = _csv(project, "contract")[0]["yearly_budget_eur"]
    _rewrite(project, "contract", lambda data: data.replace(f",{budget},".encode(), b",beaucoup,", 1))
    with pytest.raises(SiteError, match="'beaucoup' is not an integer"):
        write_site(project, tmp_path / "site", _geojson())


def test_refuses_boundaries_that_miss_a_commune(project, tmp_path):
    collection = json.loads(_geojson().read_text(encoding="utf-8"))
    dropped = collection["features"].pop()
    partial = tmp_path / "partial.geojson"
    partial.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(SiteError, match=f"no boundary for the commune.*{dropped['properties']['code']}"):
        write_site(project, tmp_path / "site", partial)


# --- In a real browser -------------------------------------------------------------------------


def _require_browser() -> None:
    require(Path(CHROMIUM).is_file(), "Chromium", "apt-get install -y chromium")
    require(shutil.which("node") is not None, "Node.js", "install Node.js 20 or newer")
    require(all((BROWSER / "node_modules" / name).is_dir() for name in ("axe-core", "playwright-core")),
            "the browser test harness", "npm ci --prefix tests/browser")


def _run_harness(site: Path, output: Path) -> dict:
    run = subprocess.run(["node", str(BROWSER / "check-site.mjs"), str(site), str(output)],
                         capture_output=True, text=True, timeout=600, env={**os.environ, "CHROMIUM": CHROMIUM})
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def browser(site) -> dict:
    _require_browser()
    return _run_harness(site, SCREENSHOTS)


def test_browser_opens_every_page(site, browser):
    assert sorted(browser["pages"]) == sorted(p.name for p in site.glob("*.html"))
    for name, page in browser["pages"].items():
        assert page["lang"] == "fr" and page["title"], name


def test_browser_sees_no_error_and_no_request_off_the_machine(browser):
    for name, page in browser["pages"].items():
        assert page["console"] == [] and page["pageErrors"] == [], name
        assert page["failed"] == [], name
        assert page["external"] == [], name


def test_browser_every_internal_link_resolves(browser):
    assert browser["links"] == []
    assert all(page["internalLinks"] > 5 for page in browser["pages"].values())


def test_browser_no_horizontal_scroll_at_phone_or_desktop_width(browser):
    for name, page in browser["pages"].items():
        assert page["overflow"] == {"desktop": 0, "phone": 0}, name


def test_axe_finds_no_serious_or_critical_violation(browser):
    found = [(name, width, violation["id"], violation["impact"], violation["nodes"])
             for name, page in browser["pages"].items() for width, violations in page["axe"].items()
             for violation in violations if violation["impact"] in ("serious", "critical")]
    assert found == []


def test_headings_are_in_order(browser):
    for name, page in browser["pages"].items():
        levels = page["headings"]
        assert levels[0] == 1 and levels.count(1) == 1, name
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (name, levels)


def test_browser_map_has_a_labelled_shape_per_commune(browser):
    names = {row["commune_code"]: row["name"] for row in _csv(ROOT, "communes")}
    shapes = browser["map"]
    assert sorted(shape["code"] for shape in shapes) == sorted(names)
    for shape in shapes:
        assert shape["width"] > 5 and shape["height"] > 5, shape
        assert shape["label"].startswith(names[shape["code"]]) and shape["labelWidth"] > 20, shape
        assert shape["title"].startswith(names[shape["code"]]), shape


def test_skip_link_is_the_first_tab_stop_and_shows_focus(browser):
    focused = browser["skipLink"]
    assert focused["text"] == "Aller au contenu" and focused["href"] == "#contenu"
    assert focused["visible"] and focused["outlineStyle"] != "none" and focused["outlineWidth"] >= 2
    assert focused["focusAfterEnter"] == "contenu"


def test_screenshots_of_the_landing_page_are_written(browser):
    for width in (1280, 375):
        header = (SCREENSHOTS / f"index-{width}.png").read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">I", header[16:20])[0] == width


def test_harness_reports_what_it_should(tmp_path):
    """The checks can fail: a page with an external image, no alt text, a console error, a broken
    link and a too-wide block is reported on every count."""
    _require_browser()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "index.html").write_text(
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>t</title></head><body><main>'
        '<h1>t</h1><img src="http://127.0.0.1:9/logo.png"><a href="absente.html">lien</a>'
        '<a href="#nulle-part">ancre</a><div style="width:2000px">large</div>'
        '<script>console.error("boom")</script></main></body></html>', encoding="utf-8")
    report = _run_harness(bad, tmp_path / "shots")
    page = report["pages"]["index.html"]
    assert set(page["external"]) == {"http://127.0.0.1:9/logo.png"}
    assert any("boom" in message for message in page["console"])
    assert page["overflow"]["phone"] > 0 and page["overflow"]["desktop"] > 0
    assert {"image-alt"} <= {v["id"] for v in page["axe"]["phone"] if v["impact"] in ("serious", "critical")}
    assert any("absente.html" in link for link in report["links"])
    assert any("nulle-part" in link for link in report["links"])
    assert report["map"] == [] and report["skipLink"]["text"] != "Aller au contenu"
