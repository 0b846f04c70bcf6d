"""Harvest a DCAT catalogue with udata's own DCAT harvester, in preview mode, and print what it made.

Runs inside udata's virtual environment (``scripts/udata-env.sh``), never the package's:

    UDATA_PYTHON tests/portals/udata_harvest.py LICENSES_JSON CATALOGUE_URL...

udata is data.gouv.fr's software. This is its real ``DcatBackend`` run through
``udata.harvest.actions.preview``, as the "preview" button of a harvest source runs it, with udata's
own test settings (``udata.settings.Testing``: French default language, local URLs allowed). The
only stand-in is the database: mongomock instead of MongoDB. The licence collection is seeded with
data.gouv.fr's licence list, as on data.gouv.fr. The catalogue is fetched over HTTP from its URL.

Prints one JSON document: per catalogue URL, the job's status and errors, and per harvested item
its status, errors, log records and the dataset as udata stored it (title, description, licence,
temporal coverage, frequency, spatial coverage, tags, resources with URL, format, media type, size,
checksum, schema).
"""

from __future__ import annotations

import json
import sys


def make_app():
    """udata's application with its test settings, mongomock as the database and the DCAT harvester."""
    import mongomock
    from udata.app import create_app, standalone
    from udata.settings import Testing

    class Override(Testing):
        MONGODB_SETTINGS = {"host": "mongodb://localhost:27017/udata", "mongo_client_class": mongomock.MongoClient}
        HARVESTER_BACKENDS = ["dcat"]

    return standalone(create_app("udata.settings.Defaults", override=Override))


def seed_licenses(path: str) -> None:
    from udata.core.dataset.models import License

    with open(path, encoding="utf-8") as handle:
        for item in json.load(handle):
            License(id=item["id"], title=item["title"], url=item.get("url") or None,
                    alternate_titles=item.get("alternate_titles", []),
                    alternate_urls=item.get("alternate_urls", []), flags=item.get("flags", [])).save()


def describe(dataset) -> dict:
    """The dataset as data.gouv.fr displays it, field by field."""
    temporal = dataset.temporal_coverage
    spatial = dataset.spatial
    return {
        "title": dataset.title,
        "description": dataset.description,
        "license": dataset.license.id if dataset.license else None,
        "license_title": dataset.license.title if dataset.license else None,
        "temporal_coverage": {"start": temporal.start.isoformat() if temporal and temporal.start else None,
                              "end": temporal.end.isoformat() if temporal and temporal.end else None},
        "frequency": str(dataset.frequency) if dataset.frequency else None,
        "frequency_label": str(dataset.frequency.label) if dataset.frequency else None,
        "spatial": {"geom": spatial.geom if spatial else None,
                    "zones": [str(zone.id) for zone in spatial.zones] if spatial else []},
        "tags": list(dataset.tags),
        "remote_url": dataset.harvest.remote_url if dataset.harvest else None,
        "remote_id": dataset.harvest.dct_identifier if dataset.harvest else None,
        "resources": [{
            "title": resource.title,
            "description": resource.description,
            "url": resource.url,
            "format": resource.format,
            "mime": resource.mime,
            "filesize": resource.filesize,
            "checksum": ({"type": resource.checksum.type, "value": resource.checksum.value}
                         if resource.checksum else None),
            "schema": ({"url": resource.schema.url, "name": resource.schema.name,
                        "version": resource.schema.version} if resource.schema else None),
            "type": resource.type,
        } for resource in dataset.resources],
    }


def harvest(licenses: str, urls: list[str]) -> dict:
    """Preview a harvest of each catalogue URL; the results by URL."""
    app = make_app()
    with app.app_context(), app.test_request_context():
        from udata.core.organization.models import Organization

        seed_licenses(licenses)
        organization = Organization.objects.create(name="Organisation moissonneuse (test)",
                                                   description="L'organisation du portail qui moissonne.")
        return {url: preview(url, organization) for url in urls}


def preview(url: str, organization) -> dict:
    from udata.harvest import actions
    from udata.harvest.models import HarvestSource

    source = HarvestSource.objects.create(name=f"contratville-data {url}", url=url, backend="dcat",
                                          organization=organization)
    job = actions.preview(source)
    return {
        "status": job.status,
        "errors": [error.message for error in job.errors],
        "items": [{
            "remote_id": item.remote_id,
            "status": item.status,
            "errors": [error.message for error in item.errors],
            "logs": [{"level": log.level, "message": log.message} for log in item.logs],
            "dataset": describe(item.dataset) if item.dataset else None,
        } for item in job.items],
    }


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    print(json.dumps(harvest(sys.argv[1], sys.argv[2:]), ensure_ascii=False, indent=2, default=str))
