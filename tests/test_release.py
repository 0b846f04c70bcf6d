"""`contratville-data release`: a zipped Data Package that validates on its own, DCAT and CKAN metadata."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from contratville_data.cli import main
from contratville_data.metadata import releases
from contratville_data.release import BaseUrlRequired, check_base_url, release

from .conftest import PROJECT_FILES, ROOT, expected_resources

BASE_URL = "https://example.org/contratville-data"
BOUNDARIES = ROOT / "raw" / "communes.geojson"
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
ZIP = f"{DESCRIPTOR['name']}-{DESCRIPTOR['version']}.zip"
FILES = [ZIP, "dcat.jsonld", "dcat-datagouv.jsonld", "ckan.json", "RELEASE_NOTES.md"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def copy_checkout(dest: Path) -> Path:
    for name in PROJECT_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name)
        else:
            shutil.copy2(ROOT / name, dest / name)
    return dest


def make_release(checkout: Path, out: Path, base_url: str = BASE_URL) -> Path:
    """Release ``checkout`` into ``out`` with ``base_url`` and the shared commune boundaries."""
    release(checkout, out=out, base_url=base_url, boundaries=BOUNDARIES)
    return out


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """One throw-away copy of the checkout, released by several tests."""
    return copy_checkout(tmp_path_factory.mktemp("checkout"))


@pytest.fixture(scope="module")
def released(checkout, tmp_path_factory) -> Path:
    return make_release(checkout, tmp_path_factory.mktemp("release"))


def test_release_writes_the_zip_the_metadata_and_notes(released):
    assert sorted(p.name for p in released.iterdir()) == sorted(FILES)


def test_the_zip_is_a_data_package_with_its_descriptor_at_the_top(released, tmp_path):
    with zipfile.ZipFile(released / ZIP) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "elsewhere")
    package = [name for name in names if not name.startswith("site/")]
    assert names[0] == "datapackage.json" and package[1:] == sorted(package[1:])
    assert names[len(package):] == sorted(names[len(package):]), "the site comes last, sorted"
    assert all("/" not in name or name.split("/")[0] in {"build", "docs", "site"} for name in names)
    assert "site/index.html" in names
    result = run("validate", tmp_path / "elsewhere" / "datapackage.json")
    assert result.exit_code == 0, result.output
    for document in ("README.md", "LICENSE", "CHANGELOG.md", "docs/reference-facts.md"):
        assert (tmp_path / "elsewhere" / document).read_bytes() == (ROOT / document).read_bytes(), document


def test_frictionless_validates_every_resource_of_the_zip(released, tmp_path):
    theirs = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json", str(released / ZIP)],
                            cwd=tmp_path, capture_output=True, text=True)
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    report = json.loads(theirs.stdout)
    assert report["valid"] and report["stats"]["tasks"] == len(DESCRIPTOR["resources"]) == expected_resources()
    assert sorted(task["name"] for task in report["tasks"]) == sorted(r["name"] for r in DESCRIPTOR["resources"])


def test_frictionless_opens_the_zip_as_a_package(released):
    from frictionless import Package

    package = Package(str(released / ZIP))
    assert package.resource_names == [r["name"] for r in DESCRIPTOR["resources"]]
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.stats["tasks"] == expected_resources() and report.stats["errors"] == 0


def test_diff_reads_the_zip_as_the_package_it_holds(released):
    result = run("diff", released / ZIP, ROOT / "datapackage.json")
    assert result.exit_code == 0, result.output


def test_the_release_is_dated_by_the_changelog_and_reproducible(released, checkout, tmp_path):
    with zipfile.ZipFile(released / ZIP) as archive:
        infos = archive.infolist()
    year, month, day = (int(part) for part in releases(ROOT)[0].date.split("-"))
    assert {info.date_time for info in infos} == {(year, month, day, 0, 0, 0)}
    again = make_release(checkout, tmp_path / "again")
    for path in released.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_ckan_package_is_mapped_from_the_descriptor_and_completed(released):
    package = json.loads((released / "ckan.json").read_text(encoding="utf-8"))
    assert package["name"] == DESCRIPTOR["name"] and package["title"] == DESCRIPTOR["title"]
    assert len(package["resources"]) == len(DESCRIPTOR["resources"])
    for resource, ckan in zip(DESCRIPTOR["resources"], package["resources"]):
        assert ckan["url"] == f"{BASE_URL}/{resource['path']}"


def test_release_notes_are_the_changelog_top_entry(released):
    notes = (released / "RELEASE_NOTES.md").read_text(encoding="utf-8")
    top = releases(ROOT)[0]
    assert notes.startswith(f"# {DESCRIPTOR['title']} {top.version} ({top.date})\n")
    assert top.notes and top.notes in notes


@pytest.mark.parametrize("base_url", ["", None, "dist/files", "/srv/package", "file:///srv/package",
                                      "https://", "https://example.org/x?y=1", "ftp://example.org/x"])
def test_without_an_absolute_http_base_url_nothing_is_written(checkout, tmp_path, base_url):
    """None reads releaseBaseUrl from schemas/package.json, which is empty in the checkout."""
    with pytest.raises(BaseUrlRequired, match=r"pass --base-url https://"):
        release(checkout, out=tmp_path / "out", base_url=base_url, boundaries=BOUNDARIES)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("base_url", ["https://example.org", "http://127.0.0.1:8000/p/", "https://example.org/a/b"])
def test_absolute_http_base_urls_are_accepted(base_url):
    check_base_url(base_url)


def test_a_base_url_that_is_not_http_is_a_usage_error(project):
    result = run("release", "--root", project, "--base-url", "dist/files")
    assert result.exit_code == 2
    assert "not an http(s) address" in result.output and "--base-url" in result.output


def test_release_refuses_missing_or_mismatched_boundaries(checkout, tmp_path):
    from contratville_data.release import ReleaseError

    with pytest.raises(ReleaseError, match="commune boundaries are missing"):
        release(checkout, out=tmp_path / "a", base_url=BASE_URL, boundaries=tmp_path / "none.geojson")
    geojson = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    geojson["features"] = geojson["features"][1:]
    (tmp_path / "ten.geojson").write_text(json.dumps(geojson), encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"do not match the communes table: missing \['42005'\]"):
        release(checkout, out=tmp_path / "b", base_url=BASE_URL, boundaries=tmp_path / "ten.geojson")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_release_refuses_a_stale_build(project, tmp_path):
    path = project / "raw" / "defis.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("le sport", "les sports"), encoding="utf-8")
    result = run("release", "--root", project, "--out", tmp_path / "out", "--base-url", BASE_URL)
    assert result.exit_code == 1
    assert "build/ is stale (build/defis.csv" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_release_refuses_versions_that_disagree(project, tmp_path):
    version = DESCRIPTOR["version"]
    path = project / "pyproject.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(f'version = "{version}"', 'version = "99.0.0"'),
                    encoding="utf-8")
    result = run("release", "--root", project, "--out", tmp_path / "out", "--base-url", BASE_URL)
    assert result.exit_code == 1
    assert f"versions disagree: pyproject.toml 99.0.0, CHANGELOG.md top entry {version}" in result.output
    assert not (tmp_path / "out").exists()


def test_without_a_base_url_release_is_a_usage_error(checkout, tmp_path):
    from click.testing import CliRunner

    from contratville_data.cli import main

    result = CliRunner().invoke(main, ["release", "--root", str(checkout), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "pass --base-url https://" in result.output
    assert not (tmp_path / "out").exists()


def test_a_bad_ckan_organisation_is_a_usage_error(checkout, tmp_path):
    from click.testing import CliRunner

    from contratville_data.cli import main

    result = CliRunner().invoke(main, ["release", "--root", str(checkout), "--out", str(tmp_path / "out"),
                                       "--base-url", BASE_URL, "--ckan-organization", "Mon Orga"])
    assert result.exit_code == 2 and "not a CKAN organisation name" in result.output
    assert not (tmp_path / "out").exists()


def test_the_site_is_in_the_zip_and_is_the_landing_page(released):
    """The release carries the package's web page; the DCAT landing page points at it."""
    import rdflib

    with zipfile.ZipFile(released / ZIP) as archive:
        index = archive.read("site/index.html").decode("utf-8")
    assert '<html lang="fr"' in index
    graph = rdflib.Graph().parse(released / "dcat.jsonld", format="json-ld")
    landing = set(graph.objects(None, rdflib.URIRef("http://www.w3.org/ns/dcat#landingPage")))
    assert landing == {rdflib.URIRef(f"{BASE_URL.rstrip('/')}/site/index.html")}
