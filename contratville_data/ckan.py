"""CKAN package (dataset) of a release, mapped from the descriptor by frictionless-ckan-mapper.

The mapper turns ``description`` into ``notes``, ``keywords`` into ``tags``, the first licence into
``license_*``, ``path`` into ``url`` and ``bytes`` into ``size``. It reads only the v1 contributor
``role`` and drops a publisher, and it would hand the descriptor's global ``id`` to CKAN as the
portal's internal id: these are completed here with the extras ckanext-dcat reads.
"""

from __future__ import annotations


def ckan_package(descriptor: dict, located: dict[str, dict], period: tuple[str, str], dates: dict) -> dict:
    """The CKAN package dict; ``located``, ``period`` and ``dates`` as for :func:`dcat.dcat_dataset`."""
    from frictionless_ckan_mapper import frictionless_to_ckan

    published = {key: value for key, value in descriptor.items() if key not in ("$schema", "id")}
    published["resources"] = [_published_resource(r, located[r["name"]]) for r in descriptor["resources"]]
    mapped = frictionless_to_ckan.package(published)
    package = {key: value for key, value in mapped.items() if value is not None}  # e.g. no author_email
    maintainer = next((c for c in descriptor["contributors"] if "maintainer" in c.get("roles", [])), None)
    if maintainer is not None:
        package["maintainer"] = maintainer["title"]
    extras = [{"key": "identifier", "value": descriptor["id"]},
              {"key": "issued", "value": dates["issued"]}, {"key": "modified", "value": dates["modified"]},
              {"key": "temporal_start", "value": period[0]}, {"key": "temporal_end", "value": period[1]}]
    publisher = next((c for c in descriptor["contributors"] if "publisher" in c.get("roles", [])), None)
    if publisher is not None:
        extras.append({"key": "publisher_name", "value": publisher["title"]})
        if "path" in publisher:
            extras.append({"key": "publisher_url", "value": publisher["path"]})
    package["extras"] = package.get("extras", []) + extras
    return package


def _published_resource(resource: dict, located: dict) -> dict:
    """The resource as served: its download URL, its size, its schema's URL; no local ``scheme``."""
    published = {key: value for key, value in resource.items() if key != "scheme"}
    published.update(path=located["url"], bytes=located["bytes"], schema=located["schema_url"])
    return published
