"""The project's metadata: Table Schemas with their shared definitions, package metadata, version, releases.

Everything is read through ``load_project`` (or ``load_schemas``), which checks it against the
project's profile and reports every departure as a problem, never a traceback.
"""

from .package import Release, latest_release, package_metadata, project_version, releases
from .project import Project, load_project, load_schemas

__all__ = ["Project", "Release", "latest_release", "load_project", "load_schemas", "package_metadata",
           "project_version", "releases"]
