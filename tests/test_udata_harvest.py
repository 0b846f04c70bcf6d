"""data.gouv.fr: udata's own DCAT harvester (preview mode) turns the release into one dataset, field by field.

udata runs in its own cached virtual environment (scripts/udata-env.sh), through
tests/portals/udata_harvest.py; MongoDB is mongomock, nothing else is replaced. The release is made
with the address of a local HTTP server as its base URL, and that server serves both the unpacked
package and the catalogues, so the harvester fetches the catalogue by URL and every download URL
it stores can be fetched and checked.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import threading
import urllib.request
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from contratville_data.formats import FORMATS

from .conftest import ROOT, expected_resources
from .system import require
from .test_release import DESCRIPTOR, ZIP, copy_checkout, make_release

HARNESS = Path(__file__).parent / "portals" / "udata_harvest.py"
LICENSES = ROOT.parent / "shared" / "portals" / "datagouv-licenses.json"
UDATA_ENV = ROOT / "scripts" / "udata-env.sh"


@pytest.fixture(scope="module")
def udata_python() -> str:
    """udata's python, in the environment scripts/udata-env.sh creates and caches (.ci/run runs it)."""
    made = subprocess.run(["bash", str(UDATA_ENV), "--check"], capture_output=True, text=True)
    require(made.returncode == 0, "udata's virtual environment", made.stderr.strip()[-500:])
    return made.stdout.strip().splitlines()[-1]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A local HTTP server; yields its base address and the folder it serves."""
    folder = tmp_path_factory.mktemp("served")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def harvested(udata_python, served, tmp_path_factory) -> dict:
    """udata's preview of dcat-datagouv.jsonld and of dcat.jsonld, by file name."""
    if not LICENSES.is_file():
        require(False, f"data.gouv.fr's licence list {LICENSES}", "CI lays shared/ beside the clone")
    address, folder = served
    checkout = copy_checkout(tmp_path_factory.mktemp("checkout"))
    out = make_release(checkout, tmp_path_factory.mktemp("release"), base_url=f"{address}/package")
    with zipfile.ZipFile(out / ZIP) as archive:
        archive.extractall(folder / "package")
    names = ("dcat-datagouv.jsonld", "dcat.jsonld")
    for name in names:
        (folder / name).write_bytes((out / name).read_bytes())
    env = {k: v for k, v in os.environ.items() if k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    result = subprocess.run([udata_python, str(HARNESS), str(LICENSES), *(f"{address}/{n}" for n in names)],
                            capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path_factory.mktemp("cwd"))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    return {name: report[f"{address}/{name}"] | {"address": address} for name in names}


@pytest.fixture(scope="module")
def dataset(harvested) -> dict:
    """The one dataset harvested from the data.gouv.fr profile, with no error."""
    job = harvested["dcat-datagouv.jsonld"]
    assert job["status"] == "done" and job["errors"] == []
    [item] = job["items"]
    assert item["status"] == "done" and item["errors"] == []
    assert [log for log in item["logs"] if log["level"] in ("WARNING", "ERROR", "CRITICAL")] == []
    assert item["remote_id"] == DESCRIPTOR["id"]
    return item["dataset"]


def test_title_and_description_are_french(dataset):
    package = json.loads((ROOT / "schemas" / "package.json").read_text(encoding="utf-8"))
    assert dataset["title"] == DESCRIPTOR["title"] == "Contrat de Ville 2024–2030 de Saint-Étienne Métropole"
    assert dataset["description"] == package["translations"]["fr"]["description"].strip()
    assert dataset["description"].startswith("Le Contrat de Ville 2024–2030 de Saint-Étienne Métropole")


def test_licence_is_data_gouv_fr_licence_ouverte_2(dataset):
    assert dataset["license"] == "lov2"
    assert dataset["license_title"] == "Licence Ouverte / Open Licence version 2.0"


def test_temporal_coverage_is_the_contract_period(dataset):
    assert dataset["temporal_coverage"] == {"start": "2024-01-01", "end": "2030-12-31"}


def test_frequency_is_irregular(dataset):
    assert dataset["frequency"] == "irregular"


def test_spatial_coverage_is_the_communes_geometry(dataset):
    geometry = dataset["spatial"]["geom"]
    assert geometry["type"] == "MultiPolygon" and len(geometry["coordinates"]) >= 11
    points = [p for polygon in geometry["coordinates"] for ring in polygon for p in ring]
    assert all(4.2 < lon < 4.7 and 45.3 < lat < 45.6 for lon, lat in points)
    source = json.loads((ROOT.parent / "shared" / "sources" / "france-geojson-communes-loire-contrat.geojson")
                        .read_text(encoding="utf-8"))
    rings = {json.dumps(f["geometry"]["coordinates"][0][0]) for f in source["features"]
             if f["geometry"]["type"] == "Polygon"}
    harvested = {json.dumps(polygon[0][0]) for polygon in geometry["coordinates"]}
    assert rings <= harvested, "every commune's outline is in the harvested geometry, unchanged"
    assert dataset["spatial"]["zones"] == []


def test_tags_are_the_keywords(dataset):
    assert dataset["tags"] == sorted(["politique-de-la-ville", "contrat-de-ville", "quartiers-prioritaires", "qpv",
                                      "saint-etienne-metropole", "loire", "auvergne-rhone-alpes"])


def test_every_file_is_a_resource_with_url_format_mime_size_checksum_schema(dataset, harvested):
    address = harvested["dcat-datagouv.jsonld"]["address"]
    resources = {r["url"]: r for r in dataset["resources"]}
    assert len(resources) == len(dataset["resources"]) == len(DESCRIPTOR["resources"]) == expected_resources()
    for resource in DESCRIPTOR["resources"]:
        url = f"{address}/package/{resource['path']}"
        shown = resources[url]
        assert shown["title"] == resource["title"]
        assert shown["format"] == resource["format"] and shown["mime"] == resource["mediatype"]
        algorithm, digest = resource["hash"].split(":")
        assert shown["checksum"] == {"type": algorithm, "value": digest}
        if "schema" in resource:
            assert shown["schema"]["url"] == f"{address}/package/{resource['schema']}"
        else:
            assert shown["schema"] is None
        with urllib.request.urlopen(url) as response:
            body = response.read()
        assert shown["filesize"] == len(body) and hashlib.sha256(body).hexdigest() == digest
    assert {r["format"] for r in dataset["resources"]} == {f.name for f in FORMATS}


def test_the_strict_dcat_ap_file_is_refused_by_udata_for_its_hexbinary_checksums(harvested):
    """Why the data.gouv.fr profile exists: if udata ever accepts xsd:hexBinary, this fails and the
    profile's plain-literal checksums can go."""
    [item] = harvested["dcat.jsonld"]["items"]
    assert item["status"] == "failed"
    assert "checksum.value.StringField only accepts string values" in item["errors"][0]
