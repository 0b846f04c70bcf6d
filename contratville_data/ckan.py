"""CKAN package (dataset) of a release: the dict that CKAN's ``package_create`` action takes.

Fields follow CKAN's default dataset schema (``ckan/logic/schema``), checked with CKAN's own
``package_create`` on PostgreSQL by ``tests/test_ckan.py``. Dates, period, publisher and identifier
go in the extras that ckanext-dcat reads; resource checksums in its ``hash`` / ``hash_algorithm``.

Licence: a CKAN site shows a dataset as open (``isopen``) only when ``license_id`` is an open
licence of the site's register. CKAN's default register has no Licence Ouverte; its open
attribution licence is ``other-at`` ("Other (Attribution)"), the default here. The Licence Ouverte
itself is named and linked in ``notes``, which CKAN renders as Markdown. A site whose register
(``licenses_group_url``) has its own entry for the Licence Ouverte passes that entry's id instead.
"""

from __future__ import annotations

import re

from .formats import BY_NAME

#: CKAN's default register: the open licence that requires attribution, as the Licence Ouverte does.
DEFAULT_LICENSE_ID = "other-at"
#: ckanext-dcat's ``hash_algorithm``: the SPDX checksum algorithm, per descriptor hash prefix.
HASH_ALGORITHMS = {"sha256": "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"}
#: What CKAN's ``name_validator`` accepts for an organisation name (its UUID ids are such names too).
CKAN_NAME = re.compile(r"[a-z0-9_-]{2,100}")


def ckan_package(descriptor: dict, located: dict[str, dict], period: tuple[str, str], dates: dict, *,
                 owner_org: str | None = None, license_id: str = DEFAULT_LICENSE_ID, notes: str | None = None,
                 license_url: str | None = None) -> dict:
    """The CKAN package dict of the release described by ``descriptor``.

    ``located`` gives each resource's absolute download ``url``, ``bytes`` and, for a table with a
    Table Schema, ``schema_url``;
    ``period`` the first and last dates covered (ISO dates); ``dates`` the ``issued`` and
    ``modified`` release dates. ``owner_org`` is the name (or id) of the CKAN organisation that
    will own the dataset: CKAN requires one unless the site sets ``ckan.auth.create_unowned_dataset``;
    None leaves it out. ``license_id`` is the site's register id for the descriptor's licence.
    ``notes`` is the description CKAN shows (default: the descriptor's); ``license_url`` the
    licence's address linked there (default: the descriptor licence's ``path``).
    Raises ValueError for an organisation that is not a CKAN name, an empty licence id, or a
    resource format or hash that has no CKAN equivalent here.
    """
    if owner_org is not None and not CKAN_NAME.fullmatch(owner_org):
        raise ValueError(f"{owner_org!r} is not a CKAN organisation name: 2 to 100 lowercase letters, "
                         "digits, - or _")
    if not license_id or license_id != license_id.strip():
        raise ValueError(f"{license_id!r} is not a licence id: give the id from the site's licence register")
    licence = descriptor["licenses"][0]
    licence_line = f"Licence : [{licence['title']}]({license_url or licence['path']})"
    package = {
        "name": descriptor["name"],
        "title": descriptor["title"],
        "notes": f"{notes or descriptor['description']}\n\n{licence_line}",
        "url": descriptor["homepage"],
        "version": descriptor["version"],
        "license_id": license_id,
        "private": False,
        "tags": [{"name": keyword} for keyword in descriptor["keywords"]],
    }
    if owner_org is not None:
        package["owner_org"] = owner_org
    maintainer = _contributor(descriptor, "maintainer")
    if maintainer is not None:
        package["maintainer"] = maintainer["title"]
    extras = {"identifier": descriptor["id"], "issued": dates["issued"], "modified": dates["modified"],
              "temporal_start": period[0], "temporal_end": period[1]}
    publisher = _contributor(descriptor, "publisher")
    if publisher is not None:
        extras["publisher_name"] = publisher["title"]
        if "path" in publisher:
            extras["publisher_url"] = publisher["path"]
    package["extras"] = [{"key": key, "value": value} for key, value in extras.items()]
    package["resources"] = [_resource(r, located[r["name"]]) for r in descriptor["resources"]]
    return package


def _contributor(descriptor: dict, role: str) -> dict | None:
    return next((c for c in descriptor.get("contributors", []) if role in c.get("roles", [])), None)


def _resource(resource: dict, located: dict) -> dict:
    """A CKAN resource: named by its French title, CKAN's format label, size and SHA-256 as served, and
    the Table Schema's URL where there is one (``schema``, as ckanext-validation reads it)."""
    if resource["format"] not in BY_NAME:
        raise ValueError(f"resource {resource['name']!r}: no CKAN format for {resource['format']!r}")
    algorithm, digest = resource["hash"].split(":", 1)
    if algorithm not in HASH_ALGORITHMS:
        raise ValueError(f"resource {resource['name']!r}: no checksum algorithm IRI for {algorithm!r}")
    published = {
        "name": resource["title"],
        "description": resource["description"],
        "url": located["url"],
        "format": BY_NAME[resource["format"]].label,
        "mimetype": resource["mediatype"],
        "size": located["bytes"],
        "hash": digest,
        "hash_algorithm": HASH_ALGORITHMS[algorithm],
    }
    if located.get("schema_url"):
        published["schema"] = located["schema_url"]
    return published
