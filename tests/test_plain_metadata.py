"""A descriptor told plain (``plain_metadata``) is one frictionless's metadata check finds nothing in.

Each test mutates the published descriptor and has frictionless check every mutation the subset
admits: one property at a time (every property, and every property frictionless knows, given each
value of a list of awkward ones), then a few at a time (hypothesis).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contratville_data.validate import metadata_check
from contratville_data.validate.metadata_check import ProfileCheck, profile_problems
from contratville_data.validate.plain_metadata import plain_metadata

from .conftest import ROOT

PUBLISHED = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
#: Values that sit on the edges of what frictionless accepts, for any property.
AWKWARD = [
    None, True, False, 0, 1, -1, 2.0, 1.5, "", " ", "x", "X", "a b", "ok\n", "é", "٣",
    "build/communes.csv", "build/../x.csv", "../x.csv", "build../communes.csv", "build/x../y.csv", "x..",
    "/etc/passwd", "~/x", "$HOME/x", "${X}", "%PATH%",
    "file:x.csv", "file:///etc/passwd", "https://example.org/x.csv", "a//b", ".hidden", "-x",
    "2026-11-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-29T00:00:60Z",
    "0000-01-01T00:00:00Z", "2026-11-29", "2026-11-29T24:00:00Z", "table", "file", "Table",
    "tabular-data-resource", "data-package", "tabular-data-package", "fiscal-data-package",
    "https://datapackage.org/profiles/1.0/datapackage.json", "https://datapackage.org/profiles/2.0/datapackage.json",
    "https://datapackage.org/profiles/2.0/dataresource.json", "https://example.org/profile.json", "http://[",
    [], ["x"], [1], [None], [{}], [{"name": "x"}], [{"path": "x"}], [{"name": ""}], [{"email": "nope"}],
    [{"email": "a@example.org"}], [{"title": 1}], [{"name": "x", "path": "y", "title": "z"}], [[]],
    {}, {"name": "x"}, {"delimiter": ";"},
]
#: Properties frictionless's profiles or checks name, beside those the published descriptor has.
KNOWN = ["$schema", "profile", "profiles", "type", "image", "missingValues", "fields", "dialect", "data",
         "compression", "innerpath", "extrapaths", "rows", "url", "stats", "layout", "hashing", "email",
         "organisation", "role", "roles", "licenses", "sources", "contributors", "created", "id", "version"]


def _places(descriptor: dict) -> list[tuple]:
    """Where one property can be set: the package, a resource, a license, contributor or source."""
    holders = [(), ("resources", 0), ("resources", 1), ("licenses", 0), ("contributors", 0), ("sources", 0)]
    places = []
    for holder in holders:
        target = _at(descriptor, holder)
        for key in sorted(set(target) | set(KNOWN)):
            places.append((*holder, key))
    return places


def _at(descriptor, path):
    for step in path:
        descriptor = descriptor[step]
    return descriptor


def _set(descriptor: dict, place: tuple, value) -> dict:
    changed = copy.deepcopy(descriptor)
    *holder, key = place
    if value is _DELETE:
        _at(changed, holder).pop(key, None)
    else:
        _at(changed, holder)[key] = value
    return changed


_DELETE = object()


def test_the_published_descriptor_is_plain_and_frictionless_agrees():
    assert plain_metadata(PUBLISHED)
    assert profile_problems(PUBLISHED) == []


def test_every_property_given_each_awkward_value_is_plain_only_where_frictionless_finds_nothing():
    admitted = refused = 0
    wrong = []
    for place in _places(PUBLISHED):
        for value in [*AWKWARD, _DELETE]:
            descriptor = _set(PUBLISHED, place, value)
            if not plain_metadata(descriptor):
                refused += 1
                continue
            admitted += 1
            found = profile_problems(descriptor)
            if found:
                wrong.append((place, value, found[0].message))
    assert not wrong, f"plain, but frictionless reports problems: {wrong[:5]}"
    # the subset admits values beside the published ones, and refuses many
    assert admitted > 1000 and refused > 10000, (admitted, refused)


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(AWKWARD[5:45]),
                     lambda inner: st.lists(inner, max_size=2) | st.dictionaries(
                         st.sampled_from(["name", "path", "title", "email", "role"]), inner, max_size=2),
                     max_leaves=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_places(PUBLISHED)), st.sampled_from(AWKWARD) | _JSON),
                min_size=1, max_size=4))
def test_a_few_properties_changed_at_once_are_plain_only_where_frictionless_finds_nothing(changes):
    descriptor = PUBLISHED
    for place, value in changes:
        try:
            descriptor = _set(descriptor, place, value)
        except (KeyError, IndexError, TypeError):  # an earlier change removed or replaced the holder
            continue
    if plain_metadata(descriptor):
        assert profile_problems(descriptor) == []


def test_a_plain_descriptor_is_not_checked_by_frictionless(monkeypatch):
    def fail(descriptor):
        raise AssertionError("frictionless was asked")

    monkeypatch.setattr(metadata_check, "profile_problems", fail)
    check = ProfileCheck(PUBLISHED, False, in_place=False)
    assert check.child is None and check.problems() == []


def test_where_frictionless_may_find_a_plugin_of_its_own_it_checks_even_a_plain_descriptor(tmp_path, monkeypatch):
    (tmp_path / "frictionless_probe.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    check = ProfileCheck(PUBLISHED, False, in_place=False)
    assert check.child is not None and check.problems() == []


def test_where_frictionless_is_loaded_it_checks_even_a_plain_descriptor(monkeypatch):
    asked = []
    monkeypatch.setattr(metadata_check, "profile_problems", lambda descriptor: asked.append(descriptor) or [])
    assert ProfileCheck(PUBLISHED, False).problems() == [] and asked == [PUBLISHED]


@pytest.mark.parametrize("change", [
    ("contributors", 0, "email", "a@example.org"),  # outside the subset: frictionless checks it
    ("resources", 0, "profile", "tabular-data-resource"),  # outside, and frictionless finds a problem
])
def test_a_descriptor_outside_the_subset_is_checked_by_frictionless_in_a_child_process(change):
    descriptor = _set(PUBLISHED, change[:-1], change[-1])
    assert not plain_metadata(descriptor)
    check = ProfileCheck(descriptor, False, in_place=False)
    assert check.child is not None
    assert check.problems() == profile_problems(descriptor)


def test_a_fresh_validate_of_the_published_package_starts_no_child_process():
    script = ("import subprocess, sys\n"
              "def refuse(*args, **kwargs):\n    raise AssertionError('a child process was started')\n"
              "subprocess.Popen = refuse\n"
              "from pathlib import Path\nfrom contratville_data.validate import validate_package\n"
              "report = validate_package(Path(sys.argv[1]))\n"
              "print(report.valid)\n")
    result = subprocess.run([sys.executable, "-c", script, str(ROOT / "datapackage.json")], capture_output=True,
                            text=True, check=True)
    assert result.stdout.split() == ["True"]
