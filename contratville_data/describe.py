"""Describe the published files as a Data Package v2 descriptor."""

from __future__ import annotations

from pathlib import Path

from .metadata import latest_release, package_metadata, project_version
from .schemas import TableSchema
from .write import file_hash

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
FORMATS = {
    "csv": {"format": "csv", "mediatype": "text/csv", "encoding": "utf-8"},
    "parquet": {"format": "parquet", "mediatype": "application/vnd.apache.parquet"},
}


def parquet_name(table: str) -> str:
    """Resource name of a table's Parquet twin."""
    return f"{table}-parquet"


def describe_package(root: Path, out: Path, schemas: dict[str, TableSchema], sources: list[dict]) -> dict:
    """The descriptor of the files under ``out/build``, with paths relative to ``out``.

    CSV resources declare ``bytes`` and ``hash``, both checked by frictionless. Parquet resources
    declare ``hash`` only: frictionless cannot measure a Parquet table's bytes (a declared ``bytes``
    fails its byte-count check) and never checks its hash, so ``contratville-data validate`` checks
    it instead.
    """
    meta = package_metadata(root)
    version = project_version(root)
    _, released = latest_release(root)
    resources = []
    for fmt in ("csv", "parquet"):
        for name, schema in schemas.items():
            path = f"build/{name}.{fmt}"
            resource = {
                "name": name if fmt == "csv" else parquet_name(name),
                "type": "table",
                "path": path,
                "scheme": "file",
                **FORMATS[fmt],
                **meta["resources"][name],
            }
            if fmt == "parquet":
                resource["title"] += " (Parquet)"
            else:
                resource["bytes"] = (out / path).stat().st_size
            resource["hash"] = file_hash(out / path)
            resource["schema"] = schema.path.relative_to(root).as_posix()
            resources.append(resource)
    return {
        "$schema": PROFILE,
        "name": meta["name"],
        "id": meta["id"],
        "title": meta["title"],
        "description": meta["description"],
        "homepage": meta["homepage"],
        "version": version,
        "created": f"{released}T00:00:00Z",
        "keywords": meta["keywords"],
        "licenses": meta["licenses"],
        "contributors": [_contributor(c) for c in meta["contributors"]],
        "sources": [{"title": s["title"], "path": s["url"]} for s in sources],
        "resources": resources,
    }


def _contributor(contributor: dict) -> dict:
    """Data Package v2 ``roles``, with the v1 ``role`` beside it for tools that read only that."""
    return {**contributor, "role": contributor["roles"][0]}
