"""CKAN: the real ``package_create`` on PostgreSQL takes ckan.json; ``package_show`` shows it, field by field.

CKAN (scripts/ckan-env.sh, its own cached venv) runs tests/portals/ckan_package_create.py against
a throwaway PostgreSQL cluster that this module starts and stops, with CKAN's generated
configuration and no Solr (see the harness for why that is sound): once with CKAN's default
licence register, once with a site register that has data.gouv.fr's entry for the Licence Ouverte.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from contratville_data.ckan import DEFAULT_LICENSE_ID, ckan_package
from contratville_data.formats import BY_NAME

from .conftest import ROOT
from .system import require

CKAN_ENV = ROOT / "scripts" / "ckan-env.sh"
HARNESS = Path(__file__).parent / "portals" / "ckan_package_create.py"
BASE_URL = "https://example.org/contratville-data"
ORGANISATION = "contratville-data"
DATAGOUV_LICENSES = ROOT.parent / "shared" / "portals" / "datagouv-licenses.json"
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
METADATA = json.loads((ROOT / "schemas" / "package.json").read_text(encoding="utf-8"))
FRENCH = METADATA["translations"]["fr"]["description"]
LICENCE_URL = METADATA["portal"]["license"]["iri"]
#: The 0.1.0 release date (CHANGELOG.md), as first and latest release.
DATES = {"issued": "2026-11-28", "modified": "2026-11-28"}


def _period() -> tuple[str, str]:
    with (ROOT / "build" / "contract.csv").open(encoding="utf-8", newline="") as file:
        row = next(csv.DictReader(file))
    return f"{row['period_start_year']}-01-01", f"{row['period_end_year']}-12-31"


def _located(resource: dict) -> dict:
    located = {"url": f"{BASE_URL}/{resource['path']}", "bytes": (ROOT / resource["path"]).stat().st_size}
    if "schema" in resource:
        located["schema_url"] = f"{BASE_URL}/{resource['schema']}"
    return located


def _package(descriptor: dict = DESCRIPTOR, **options) -> dict:
    located = {resource["name"]: _located(resource) for resource in descriptor["resources"]}
    return ckan_package(descriptor, located, _period(), DATES, notes=FRENCH, license_url=LICENCE_URL, **options)


def _run(command: list[str], timeout: int) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return subprocess.CompletedProcess(command, 1, "", str(err))


@pytest.fixture(scope="module")
def ckan_python() -> str:
    found = _run(["bash", str(CKAN_ENV), "python"], 60)
    require(found.returncode == 0, "CKAN's virtual environment", found.stderr.strip())
    return found.stdout.strip()


@pytest.fixture(scope="module")
def databases(ckan_python):
    """A throwaway PostgreSQL cluster with two empty databases; yields their SQLAlchemy URLs by name."""
    names = ("ckan", "ckan_site")
    started = _run(["bash", str(CKAN_ENV), "start", *names], 120)
    require(started.returncode == 0, "PostgreSQL", started.stderr.strip())
    folder = started.stdout.strip()
    yield {name: f"postgresql://postgres@/{name}?host={folder}" for name in names}
    stopped = _run(["bash", str(CKAN_ENV), "stop", folder], 120)
    assert stopped.returncode == 0, stopped.stderr


def _answers(ckan_python: str, database: str, work: Path, packages: dict[str, dict], *options: str) -> list[dict]:
    """CKAN's answer to each package, in order (see the harness)."""
    for name, package in packages.items():
        (work / name).write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")
    result = _run([ckan_python, str(HARNESS), *options, database, str(work), *(str(work / n) for n in packages)],
                  600)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def _result(answer: dict) -> dict:
    """What ``package_show`` gives an anonymous visitor once the dataset is created."""
    assert "error" not in answer, answer
    assert answer["status"] == 200 and answer["body"]["success"] is True
    return answer["body"]["result"]


@pytest.fixture(scope="module")
def answers(ckan_python, databases, tmp_path_factory) -> list[dict]:
    """CKAN's answers, on its default licence register, to ckan.json without an organisation, then with one."""
    packages = {"unowned.json": _package(), "ckan.json": _package(owner_org=ORGANISATION)}
    return _answers(ckan_python, databases["ckan"], tmp_path_factory.mktemp("ckan"), packages)


@pytest.fixture(scope="module")
def shown(answers) -> dict:
    return _result(answers[1])


@pytest.fixture(scope="module")
def shown_on_a_site_register(ckan_python, databases, tmp_path_factory) -> dict:
    """package_show on a CKAN whose licence register is data.gouv.fr's Licence Ouverte entry, in CKAN's format."""
    require(DATAGOUV_LICENSES.is_file(), f"data.gouv.fr's licence list {DATAGOUV_LICENSES}",
            "CI lays shared/ beside the clone")
    lov2 = next(entry for entry in json.loads(DATAGOUV_LICENSES.read_text(encoding="utf-8")) if entry["id"] == "lov2")
    assert "okd_compliant" in lov2["flags"]
    work = tmp_path_factory.mktemp("ckan-site")
    register = work / "licenses.json"
    register.write_text(json.dumps([{"id": lov2["id"], "title": lov2["title"], "url": lov2["url"],
                                     "od_conformance": "approved"}]), encoding="utf-8")
    packages = {"ckan.json": _package(owner_org=ORGANISATION, license_id="lov2")}
    return _result(_answers(ckan_python, databases["ckan_site"], work, packages, "--licenses", str(register))[0])


def test_ckan_refuses_a_dataset_without_an_organisation(answers):
    assert answers[0] == {"error": "User editeur not authorized to create packages"}


def test_the_dataset_is_public_under_its_organisation(shown):
    assert shown["name"] == DESCRIPTOR["name"] and shown["type"] == "dataset"
    assert shown["state"] == "active" and shown["private"] is False
    assert shown["organization"]["name"] == ORGANISATION


def test_title_and_description_are_french_and_credit_the_source(shown):
    assert shown["title"] == "Contrat de Ville 2024–2030 de Saint-Étienne Métropole"
    assert shown["notes"].startswith(FRENCH + "\n\n")
    assert shown["url"] == DESCRIPTOR["homepage"]
    assert shown["version"] == DESCRIPTOR["version"]
    assert shown["maintainer"] == "contratville-data developers"
    assert sorted(tag["name"] for tag in shown["tags"]) == sorted(DESCRIPTOR["keywords"])


def test_the_dataset_is_open_with_the_licence_ouverte_named_and_linked(shown):
    assert shown["isopen"] is True
    assert shown["license_id"] == DEFAULT_LICENSE_ID == "other-at"
    assert shown["license_title"] == "Other (Attribution)"
    assert "license_url" not in shown, "CKAN's default register gives other-at no address"
    assert shown["notes"].endswith(
        "\n\nLicence : [Licence Ouverte / Open Licence version 2.0]"
        "(https://www.etalab.gouv.fr/licence-ouverte-open-licence)")


def test_a_site_register_entry_names_and_links_the_licence_ouverte(shown_on_a_site_register):
    shown = shown_on_a_site_register
    assert shown["isopen"] is True and shown["license_id"] == "lov2"
    assert shown["license_title"] == "Licence Ouverte / Open Licence version 2.0"
    assert shown["license_url"] == LICENCE_URL == "https://www.etalab.gouv.fr/licence-ouverte-open-licence"


def test_extras_carry_identifier_dates_period_and_publisher(shown):
    assert {extra["key"]: extra["value"] for extra in shown["extras"]} == {
        "identifier": DESCRIPTOR["id"], "issued": "2026-11-28", "modified": "2026-11-28",
        "temporal_start": "2024-01-01", "temporal_end": "2030-12-31",
        "publisher_name": "contratville-data developers"}


def test_resources_are_named_by_their_french_titles_with_format_size_and_checksum(shown):
    resources = shown["resources"]
    assert shown["num_resources"] == len(resources) == len(DESCRIPTOR["resources"]) >= 14
    for resource, ckan in zip(DESCRIPTOR["resources"], resources):
        assert ckan["name"] == resource["title"]
        assert ckan["description"] == resource["description"]
        assert ckan["format"] == BY_NAME[resource["format"]].label
        assert ckan["mimetype"] == resource["mediatype"]
        assert ckan["url"] == f"{BASE_URL}/{resource['path']}"
        assert ckan["size"] == (ROOT / resource["path"]).stat().st_size
        assert f"sha256:{ckan['hash']}" == resource["hash"]
        assert ckan["hash_algorithm"] == "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"
        assert ckan.get("schema") == (f"{BASE_URL}/{resource['schema']}" if "schema" in resource else None)
    assert [r["name"] for r in resources][:2] == ["Les communes", "Le contrat"]
    tables = len(list((ROOT / "schemas").glob("*.schema.json")))
    assert [r["format"] for r in resources].count("CSV") == [r["format"] for r in resources].count("Parquet") == tables


@pytest.mark.parametrize("options, message", [
    ({"owner_org": "Saint-Étienne"}, "is not a CKAN organisation name"),
    ({"owner_org": "x"}, "is not a CKAN organisation name"),
    ({"license_id": ""}, "is not a licence id"),
])
def test_bad_options_are_refused_with_a_message(options, message):
    with pytest.raises(ValueError, match=message):
        _package(**options)


def test_a_format_ckan_has_no_label_for_is_refused():
    descriptor = {**DESCRIPTOR, "resources": [{**DESCRIPTOR["resources"][0], "format": "xlsx"}]}
    with pytest.raises(ValueError, match="no CKAN format for 'xlsx'"):
        _package(descriptor)


def test_a_site_licence_id_replaces_the_default():
    package = _package(owner_org=ORGANISATION, license_id="lov2")
    assert package["license_id"] == "lov2" and package["owner_org"] == ORGANISATION
