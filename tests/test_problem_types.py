"""The catalogue of problem types: complete, the only way to name a problem, and the source of docs/errors.md."""

from __future__ import annotations

import re

import pytest

from contratville_data.errors_doc import render_errors
from contratville_data.problem_types import OWN_TYPES, STAGES, catalogue, problem_type
from contratville_data.problems import Problem

from .conftest import ROOT

#: A problem type written literally where a Problem is made: Problem("type", ...).
LITERAL = re.compile(r'Problem\(\s*"([a-z0-9-]+)"')


def test_a_problem_of_an_unknown_type_cannot_be_made():
    with pytest.raises(ValueError, match="unknown problem type 'no-such-type'"):
        Problem("no-such-type", "message")


def test_every_type_written_in_the_code_is_in_the_catalogue():
    written = {name for path in (ROOT / "contratville_data").rglob("*.py")
               for name in LITERAL.findall(path.read_text(encoding="utf-8"))}
    assert written and written <= set(catalogue()), sorted(written - set(catalogue()))


@pytest.mark.parametrize("kind", OWN_TYPES, ids=lambda t: t.name)
def test_every_own_type_is_described_once(kind):
    assert [t.name for t in OWN_TYPES].count(kind.name) == 1
    assert kind.stages and set(kind.stages) <= set(STAGES)
    assert kind.title and kind.cause and kind.fix
    assert problem_type(kind.name) is kind


def test_frictionless_errors_are_in_the_catalogue_with_its_own_titles():
    from frictionless import errors

    assert problem_type("blank-header").title == errors.BlankHeaderError.title
    assert "frictionless" in problem_type("type-error").stages, "one name for the fault build and validate share"


def test_the_error_reference_is_generated_from_the_catalogue():
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert text == render_errors()
    for kind in catalogue().values():
        assert f"| `{kind.name}` |" in text
