"""`contratville-data release`: the zip validates on its own, the DCAT and CKAN metadata describe it."""

from __future__ import annotations

import csv
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

from .conftest import PROJECT_FILES, ROOT

BASE_URL = "https://example.invalid/contratville-data"
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
STEM = f"{DESCRIPTOR['name']}-{DESCRIPTOR['version']}"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def copy_checkout(dest: Path) -> Path:
    for name in PROJECT_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name)
        else:
            shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """One throw-away copy of the checkout, released by several tests."""
    return copy_checkout(tmp_path_factory.mktemp("checkout"))


@pytest.fixture(scope="module")
def released(checkout, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release")
    result = run("release", "--root", checkout, "--out", out, "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    return out


def test_release_writes_the_zip_metadata_and_notes(released):
    assert sorted(p.name for p in released.iterdir()) == sorted(
        [f"{STEM}.zip", "dcat.jsonld", "ckan.json", "RELEASE_NOTES.md"])


def test_the_zip_validates_on_its_own_once_unpacked_elsewhere(released, tmp_path):
    with zipfile.ZipFile(released / f"{STEM}.zip") as archive:
        archive.extractall(tmp_path / "elsewhere")
    package = tmp_path / "elsewhere" / STEM
    result = run("validate", package / "datapackage.json")
    assert result.exit_code == 0, result.output
    assert "valid (14 resources)" in result.output
    theirs = subprocess.run([sys.executable, "-m", "frictionless", "validate", "datapackage.json"], cwd=package,
                            capture_output=True, text=True)
    assert theirs.returncode == 0, theirs.stdout
    for document in ("README.md", "LICENSE", "CHANGELOG.md", "docs/reference-facts.md"):
        assert (package / document).read_bytes() == (ROOT / document).read_bytes(), document


def test_the_zip_is_sorted_dated_by_the_changelog_and_reproducible(released, checkout, tmp_path):
    with zipfile.ZipFile(released / f"{STEM}.zip") as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names) and all(name.startswith(f"{STEM}/") for name in names)
    year, month, day = (int(part) for part in releases(ROOT)[0].date.split("-"))
    assert {info.date_time for info in infos} == {(year, month, day, 0, 0, 0)}
    again = tmp_path / "again"
    assert run("release", "--root", checkout, "--out", again, "--base-url", BASE_URL).exit_code == 0
    for path in released.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_dcat_describes_one_dataset_and_one_distribution_per_file(released):
    import rdflib
    from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    graph = rdflib.Graph().parse(released / "dcat.jsonld", format="json-ld")
    [dataset] = graph.subjects(RDF.type, DCAT.Dataset)
    assert str(graph.value(dataset, DCTERMS.title)) == DESCRIPTOR["title"]
    assert str(graph.value(dataset, DCAT.landingPage)) == DESCRIPTOR["homepage"]
    assert str(graph.value(dataset, DCTERMS.license)) == DESCRIPTOR["licenses"][0]["path"]
    assert set(map(str, graph.objects(dataset, DCAT.keyword))) == set(DESCRIPTOR["keywords"])
    history = releases(ROOT)
    assert graph.value(dataset, DCTERMS.issued) == rdflib.Literal(history[-1].date, datatype=XSD.date)
    assert graph.value(dataset, DCTERMS.modified) == rdflib.Literal(history[0].date, datatype=XSD.date)
    with (ROOT / "build" / "contract.csv").open(encoding="utf-8") as handle:
        contract = next(csv.DictReader(handle))
    temporal = graph.value(dataset, DCTERMS.temporal)
    assert str(graph.value(temporal, DCAT.startDate)) == contract["period_start_year"]
    assert str(graph.value(temporal, DCAT.endDate)) == contract["period_end_year"]
    [publisher] = [c for c in DESCRIPTOR["contributors"] if "publisher" in c["roles"]]
    assert str(graph.value(graph.value(dataset, DCTERMS.publisher), FOAF.name)) == publisher["title"]

    distributions = set(graph.subjects(RDF.type, DCAT.Distribution))
    assert set(graph.objects(dataset, DCAT.distribution)) == distributions
    assert len(distributions) == len(DESCRIPTOR["resources"]) == 14
    by_url = {str(graph.value(d, DCAT.downloadURL)): d for d in distributions}
    for resource in DESCRIPTOR["resources"]:
        distribution = by_url[f"{BASE_URL}/{resource['path']}"]
        checksum = graph.value(distribution, spdx.checksum)
        assert graph.value(checksum, spdx.algorithm) == spdx.checksumAlgorithm_sha256
        assert f"sha256:{graph.value(checksum, spdx.checksumValue)}" == resource["hash"]
        assert int(graph.value(distribution, DCAT.byteSize)) == (ROOT / resource["path"]).stat().st_size
        assert str(graph.value(distribution, DCAT.mediaType)).endswith(resource["mediatype"])
        assert str(graph.value(distribution, DCTERMS.conformsTo)) == f"{BASE_URL}/{resource['schema']}"


def test_ckan_package_is_mapped_from_the_descriptor_and_completed(released):
    package = json.loads((released / "ckan.json").read_text(encoding="utf-8"))
    assert package["name"] == DESCRIPTOR["name"] and package["title"] == DESCRIPTOR["title"]
    assert package["notes"] == DESCRIPTOR["description"]
    assert package["license_id"] == "etalab-2.0"
    assert [tag["name"] for tag in package["tags"]] == DESCRIPTOR["keywords"]
    assert "id" not in package, "the descriptor's URN is not a CKAN id"
    extras = {extra["key"]: extra["value"] for extra in package["extras"]}
    assert extras["identifier"] == DESCRIPTOR["id"]
    assert extras["publisher_name"] == "contratville-data developers"
    assert package["maintainer"] == "contratville-data developers"
    assert len(package["resources"]) == len(DESCRIPTOR["resources"])
    for resource, ckan in zip(DESCRIPTOR["resources"], package["resources"]):
        assert ckan["url"] == f"{BASE_URL}/{resource['path']}"
        assert ckan["format"] == resource["format"] and ckan["hash"] == resource["hash"]
        assert ckan["size"] == (ROOT / resource["path"]).stat().st_size
        assert "scheme" not in ckan


def test_frictionless_ckan_mapper_maps_the_published_descriptor():
    from frictionless_ckan_mapper import frictionless_to_ckan

    package = frictionless_to_ckan.package(DESCRIPTOR)
    assert package["name"] == DESCRIPTOR["name"] and len(package["resources"]) == 14


def test_release_notes_are_the_changelog_top_entry(released):
    notes = (released / "RELEASE_NOTES.md").read_text(encoding="utf-8")
    top = releases(ROOT)[0]
    assert notes.startswith(f"# {DESCRIPTOR['title']} {top.version} ({top.date})\n")
    assert top.notes and top.notes in notes


def test_without_a_base_url_download_urls_are_package_relative(checkout, tmp_path):
    result = run("release", "--root", checkout, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "download URLs are package-relative" in result.output
    package = json.loads((tmp_path / "ckan.json").read_text(encoding="utf-8"))
    assert [r["url"] for r in package["resources"]] == [r["path"] for r in DESCRIPTOR["resources"]]


def test_release_refuses_a_stale_build(project, tmp_path):
    path = project / "raw" / "defis.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("le sport", "les sports"), encoding="utf-8")
    result = run("release", "--root", project, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "build/ is stale (build/defis.csv" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_release_refuses_versions_that_disagree(project, tmp_path):
    version = DESCRIPTOR["version"]
    path = project / "pyproject.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(f'version = "{version}"', 'version = "99.0.0"'),
                    encoding="utf-8")
    result = run("release", "--root", project, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert f"versions disagree: pyproject.toml 99.0.0, CHANGELOG.md top entry {version}" in result.output
    assert not (tmp_path / "out").exists()


def test_a_base_url_that_is_not_http_is_a_usage_error(project):
    result = run("release", "--root", project, "--base-url", "dist/files")
    assert result.exit_code == 2
    assert "not an http(s) address" in result.output
