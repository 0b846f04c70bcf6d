"""Describe the published files: the published Table Schemas and the Data Package v2 descriptor."""

from __future__ import annotations

import posixpath
from pathlib import Path

from .formats import FORMATS, PRIMARY, Format
from .metadata import Project
from .schemas import TableSchema
from .write import file_hash

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
#: Where the published, self-contained Table Schemas go, relative to the package root.
SCHEMA_DIR = "build/schemas"


def schema_path(table: str) -> str:
    """Package-relative path of a table's published Table Schema."""
    return f"{SCHEMA_DIR}/{table}.schema.json"


def published_schema(schema: TableSchema, project: Project) -> dict:
    """A table's Table Schema as published: shared definitions resolved, with the package's metadata.

    The members schema.data.gouv.fr expects (name, version, homepage, contributors, dates, keywords,
    country) come from the package metadata, written once. The example resource is the table's own CSV,
    by a path relative to the schema file: the build knows no hosting address.
    """
    meta = project.package
    descriptor = dict(schema.descriptor)
    head = {
        "$schema": descriptor.pop("$schema", "https://datapackage.org/profiles/2.0/tableschema.json"),
        "name": schema.name,
        "title": descriptor.pop("title"),
        "description": descriptor.pop("description"),
        "version": project.version,
        "homepage": meta["homepage"],
        "contributors": [_contributor(c) for c in meta["contributors"]],
        "created": project.releases[-1].date,
        "lastModified": project.releases[0].date,
        "keywords": descriptor.pop("keywords", meta["keywords"]),
        "countryCode": "FR",
        "licenses": meta["licenses"],
        "resources": [{
            "title": f"Fichier valide ({PRIMARY.label}) : la table publiée",
            "name": PRIMARY.resource_name(schema.name),
            "path": posixpath.relpath(PRIMARY.path(schema.name), SCHEMA_DIR),
        }],
    }
    return {**head, **descriptor}


def describe_package(project: Project, out: Path, sources: list[dict],
                     formats: tuple[Format, ...] = FORMATS) -> dict:
    """The descriptor of the files under ``out/build``, with paths relative to ``out``.

    ``formats`` are the formats written (default: all of the registry's). Formats that declare
    ``bytes`` (CSV) get it; every file gets its ``hash``, which
    ``contratville-data validate`` checks (frictionless cannot measure a Parquet table's bytes: a
    declared ``bytes`` fails its byte-count check).
    """
    meta = project.package
    resources = []
    for fmt in (f for f in formats if f.per_table):
        for name, schema in project.schemas.items():
            path = fmt.path(name)
            resource = {
                "name": fmt.resource_name(name),
                "type": "table",
                "path": path,
                "scheme": "file",
                **fmt.descriptor(),
                "title": schema.descriptor["title"] + ("" if fmt.primary else f" ({fmt.label})"),
                "description": schema.descriptor["description"],
            }
            if fmt.declares_bytes:
                resource["bytes"] = (out / path).stat().st_size
            resource["hash"] = file_hash(out / path)
            resource["schema"] = schema_path(name)
            resources.append(resource)
    for fmt in (f for f in formats if not f.per_table):
        resource = {"name": fmt.resource_name(), "path": fmt.path(), "scheme": "file", **fmt.descriptor(),
                    "title": fmt.title, "description": fmt.description}
        if fmt.declares_bytes:
            resource["bytes"] = (out / fmt.path()).stat().st_size
        resource["hash"] = file_hash(out / fmt.path())
        resources.append(resource)
    return {
        "$schema": PROFILE,
        "name": meta["name"],
        "id": meta["id"],
        "title": meta["title"],
        "description": meta["description"],
        "homepage": meta["homepage"],
        "version": project.version,
        "created": f"{project.releases[0].date}T00:00:00Z",
        "keywords": meta["keywords"],
        "licenses": meta["licenses"],
        "contributors": [_contributor(c) for c in meta["contributors"]],
        "sources": [{"title": s["title"], "path": s["url"]} for s in sources],
        "resources": resources,
    }


def _contributor(contributor: dict) -> dict:
    """Data Package v2 ``roles``, with the v1 ``role`` beside it for tools that read only that."""
    return {**contributor, "role": contributor["roles"][0]}
