"""Descriptors whose metadata frictionless accepts, told apart without importing frictionless.

frictionless's metadata check (``metadata_check``) costs a fresh process over half a second of CPU
(importing frictionless, then its plugins): a sixth of a million-row validation on two cores. A
descriptor whose every package and resource property lies within the subset below passes that
check whatever the values: each rule keeps within what frictionless's profile (a JSON Schema) and
its own checks accept, and is stricter where they are subtle (no e-mail addresses, names in the v1
pattern whatever the version, ``created`` in one form, paths in a plain alphabet without ``..``).
Any other descriptor is checked by frictionless, as before, and so is every descriptor where
frictionless may load a plugin of its own finding, or is already loaded (with plugins registered,
perhaps, and cheap to run). ``tests/test_plain_metadata.py`` has the installed
frictionless check each descriptor the subset admits among thousands of mutations of the published
one: it is what shows the subset sound for a given frictionless version.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

#: frictionless's pattern of package and resource names in Data Package v1 (``settings.NAME_PATTERN``).
_NAME = re.compile(r"[-a-z0-9._/]+")
#: A relative path without anything frictionless calls unsafe: no leading ``/`` or ``~``, no ``..``,
#: no ``$`` or ``%`` variable, no scheme.
_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*")
_CREATED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
#: The Data Package profiles a ``$schema`` may name.
_PROFILES = {"https://datapackage.org/profiles/1.0/datapackage.json",
             "https://datapackage.org/profiles/2.0/datapackage.json"}

Rule = Callable[[Any], bool]


def plain_metadata(descriptor: dict) -> bool:
    """Whether frictionless's metadata check is sure to find nothing in the descriptor (schemas aside)."""
    resources = descriptor.get("resources")
    if not _fits(descriptor, _PACKAGE, required=("resources",)) or not isinstance(resources, list):
        return False
    names = [resource.get("name") for resource in resources]
    return len(set(names)) == len(names)


def third_party_plugins() -> bool:
    """Whether frictionless may load a plugin of its own finding (a ``frictionless_*`` module on
    ``sys.path``), which could check more: the subset is shown for frictionless alone."""
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as found:
                if any(item.name.startswith("frictionless_") for item in found):
                    return True
        except NotADirectoryError:  # an archive: its modules are not listed here
            return True
        except OSError:  # missing or unreadable: pkgutil, which frictionless uses, skips it too
            continue
    return False


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _name(value: Any) -> bool:
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def _path(value: Any) -> bool:
    # a segment may end with "..": frictionless calls any path holding "../" unsafe
    return isinstance(value, str) and _PATH.fullmatch(value) is not None and ".." not in value


def _created(value: Any) -> bool:
    """frictionless reads ``created`` as a datetime (dateutil): ISO 8601 in UTC, seconds below 60."""
    if not isinstance(value, str) or _CREATED.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value[:-1])
    except ValueError:
        return False
    return True


def _items(rules: dict[str, Rule], *, one_of: tuple[str, ...] = ()) -> Rule:
    """A list of objects within ``rules``, each giving a non-empty value to one of ``one_of`` (if any)."""
    def check(value: Any) -> bool:
        return isinstance(value, list) and all(
            _fits(item, rules) and (not one_of or any(item.get(key) for key in one_of)) for item in value)
    return check


def _fits(value: Any, rules: dict[str, Rule], required: tuple[str, ...] = ()) -> bool:
    return isinstance(value, dict) and all(key in value for key in required) and \
        all(key in rules and rules[key](item) for key, item in value.items())


_RESOURCE: dict[str, Rule] = {
    "name": _name, "path": _path, "type": lambda value: value == "table",
    "scheme": _text, "format": _text, "mediatype": _text, "encoding": _text, "hash": _text,
    "bytes": lambda value: type(value) is int,
    "title": _text, "description": _text,
    "schema": lambda value: True,  # left out of the metadata check: read and checked with the data
}
_PACKAGE: dict[str, Rule] = {
    "$schema": lambda value: isinstance(value, str) and value in _PROFILES,
    "name": _name, "id": _text, "title": _text, "description": _text, "homepage": _text, "version": _text,
    "created": _created, "keywords": _texts,
    "licenses": _items({"name": _text, "path": _text, "title": _text}, one_of=("name", "path")),
    "contributors": _items({"title": _text, "path": _text, "organisation": _text, "role": _text, "roles": _texts}),
    "sources": _items({"title": _text, "path": _text}),
    "resources": lambda value: isinstance(value, list) and all(
        _fits(resource, _RESOURCE, required=("name", "path")) for resource in value),
}
