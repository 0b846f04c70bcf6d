"""schema.data.gouv.fr could list every published Table Schema: the checks its aggregator and Etalab's template run.

The aggregator (datagouv/datagouvfr_data_pipelines, schema/website/task_functions.py) validates each schema
with ``frictionless.validate(path)``, renders its documentation page with table-schema-to-markdown's
``convert_source(path, out, "page")`` (and ``sources_to_markdown``), then catalogues its ``name``, ``title``,
``description`` and ``resources`` (the examples). Etalab's template (datagouv/tableschema-template) sets the
metadata members and their shapes, keeps every version string equal to ``version``, and checks its example
file against the schema with frictionless.

Here the same calls run twice: with the package's own frictionless, and with the aggregator's exact pins in
their own environment (scripts/schema-datagouv-env.sh, made and cached by .ci/run).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import frictionless
import pytest

from .conftest import ROOT
from .system import require

SCHEMAS = sorted((ROOT / "build" / "schemas").glob("*.schema.json"))
AGGREGATOR_ENV = ROOT / "scripts" / "schema-datagouv-env.sh"
#: The aggregator's tag rule (get_consolidated_version): ``X.Y.Z`` or ``X.Y``, digits, an optional ``v``.
VERSION = re.compile(r"v?\d+\.\d+(\.\d+)?")
#: Etalab's template check (.github/workflows/assert_version.py): any version-like string outside ``fields``.
VERSION_LIKE = re.compile(r"v?\d+\.\d+\.\d+")
#: The schema's name is a path segment of its pages: ``schema.data.gouv.fr/<owner>/<name>/<version>/``.
NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def example_paths(schema_path: Path) -> list[Path]:
    """The files the schema's ``resources`` (its examples) point at, resolved from the schema's folder."""
    return [(schema_path.parent / r["path"]).resolve() for r in load(schema_path).get("resources", [])]


def test_every_referenced_schema_is_published():
    descriptor = load(ROOT / "datapackage.json")
    referenced = {r["schema"] for r in descriptor["resources"] if isinstance(r.get("schema"), str)}
    assert referenced, "datapackage.json references no Table Schema"
    assert referenced == {p.relative_to(ROOT).as_posix() for p in SCHEMAS}


@pytest.mark.parametrize("path", SCHEMAS, ids=ids(SCHEMAS))
def test_frictionless_validates_the_schema(path):
    """The aggregator's call: ``frictionless.validate(path)``, which must read the file as a Table Schema."""
    assert frictionless.Resource(str(path)).datatype == "schema", "frictionless does not read it as a Table Schema"
    report = frictionless.validate(str(path))
    errors = [f"{e.type}: {e.message}" for e in report.errors] + [
        f"{e.type}: {e.message}" for task in report.tasks for e in task.errors]
    assert report.valid, errors


@pytest.mark.parametrize("path", SCHEMAS, ids=ids(SCHEMAS))
def test_documentation_page_renders(path):
    """The aggregator writes documentation.md with ``convert_source(path, out, "page")``; a crash stops its run."""
    try:
        from table_schema_to_markdown import convert_source, sources_to_markdown
    except ImportError:
        require(False, "table-schema-to-markdown", "pip install table-schema-to-markdown==0.4.13 Unidecode==1.3.8")
    out = io.StringIO()
    convert_source(str(path), out, "page")
    schema = load(path)
    page = out.getvalue()
    assert page.startswith(f"## {schema['name']}\n\n{schema['title']}\n\n{schema['description']}\n\n")
    for field in schema["fields"]:
        assert f"Propriété `{field['name']}`" in page
    if schema.get("sources"):
        assert sources_to_markdown(schema) is not None, "every source needs a title and a path"


@pytest.mark.parametrize("path", SCHEMAS, ids=ids(SCHEMAS))
def test_etalab_metadata(path):
    """The members of Etalab's template, with the shapes the aggregator and the template rely on."""
    schema = load(path)
    assert schema["name"] == path.name.removesuffix(".schema.json")
    assert NAME.fullmatch(schema["name"])
    for member in ("title", "description"):
        assert isinstance(schema[member], str) and schema[member].strip(), member
    assert VERSION.fullmatch(schema["version"])
    assert schema["version"] == load(ROOT / "datapackage.json")["version"]
    homepage = urlsplit(schema["homepage"])
    assert homepage.scheme in ("http", "https") and homepage.netloc
    assert schema["contributors"]
    for contributor in schema["contributors"]:
        assert isinstance(contributor["title"], str) and contributor["title"].strip()
        assert isinstance(contributor["role"], str) and contributor["role"]
        assert all(isinstance(contributor[k], str) for k in ("email", "organisation") if k in contributor)
    for member in ("created", "lastModified"):
        assert DAY.fullmatch(schema[member]), member
    assert date.fromisoformat(schema["created"]) <= date.fromisoformat(schema["lastModified"])
    keywords = schema["keywords"]
    assert keywords and all(isinstance(k, str) and k.strip() for k in keywords)
    assert len(set(keywords)) == len(keywords)
    assert schema["countryCode"] == "FR"
    for source in schema.get("sources", []):
        assert isinstance(source["title"], str) and isinstance(source["path"], str)


@pytest.mark.parametrize("path", SCHEMAS, ids=ids(SCHEMAS))
def test_version_strings_agree(path):
    """Etalab's template: every version-like string outside ``fields`` is the schema's ``version``."""
    schema = load(path)

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key != "fields":
                    yield from strings(item)

    found = {m.group(0) for s in strings(schema) if (m := VERSION_LIKE.search(s))}
    assert found <= {schema["version"]}


@pytest.mark.parametrize("path", SCHEMAS, ids=ids(SCHEMAS))
def test_example_resource(path):
    """``resources`` is what the catalogue lists as the schema's examples: a title and a path each."""
    resources = load(path).get("resources")
    assert resources, "no example resource"
    for resource, target in zip(resources, example_paths(path)):
        assert isinstance(resource["title"], str) and resource["title"].strip()
        assert not urlsplit(resource["path"]).scheme, "build/ knows no hosting address: paths stay relative"
        assert target.is_file() and target.is_relative_to(ROOT), resource["path"]
        if "name" in resource:
            assert NAME.fullmatch(resource["name"])


def test_examples_conform_to_their_schemas():
    """The template's ``frictionless validate --schema schema.json exemple.csv``, foreign keys included.

    The examples are validated together, as a package of the published schemas, because a foreign key to
    another table needs that table (frictionless reports "package is required for foreign keys" alone).
    """
    resources = []
    for path in SCHEMAS:
        examples = example_paths(path)
        assert examples, f"{path.name} has no example resource"
        schema = load(path)
        resources.append(frictionless.Resource(path=examples[0].relative_to(ROOT).as_posix(), name=schema["name"],
                                               schema=frictionless.Schema.from_descriptor(schema)))
    report = frictionless.Package(resources=resources, basepath=str(ROOT)).validate()
    errors = [f"{task.name}: {e.type}: {e.message}" for task in report.tasks for e in task.errors]
    assert report.valid, errors + [e.message for e in report.errors]


#: Runs in the aggregator's environment: its two calls on every schema, reported as JSON.
AGGREGATOR_PROGRAM = """
import io, json, sys
import frictionless
from table_schema_to_markdown import convert_source
results = {}
for path in sys.argv[1:]:
    report = frictionless.validate(path)
    errors = [e.message for e in report.errors] + [e.message for t in report.tasks for e in t.errors]
    try:
        convert_source(path, io.StringIO(), "page")
    except Exception as exc:
        errors.append(f"convert_source: {type(exc).__name__}: {exc}")
    results[path] = {"valid": report.valid, "datatype": frictionless.Resource(path).datatype, "errors": errors}
print(json.dumps({"frictionless": frictionless.__version__, "results": results}))
"""


def test_aggregator_environment_accepts_every_schema():
    """The same calls with the aggregator's pins (frictionless 5.18.0, table-schema-to-markdown 0.4.13)."""
    made = subprocess.run(["bash", str(AGGREGATOR_ENV), "--check"], capture_output=True, text=True)
    require(made.returncode == 0, "schema.data.gouv.fr's virtual environment", made.stderr.strip()[-500:])
    run = subprocess.run([made.stdout.strip(), "-c", AGGREGATOR_PROGRAM, *map(str, SCHEMAS)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    outcome = json.loads(run.stdout)
    assert outcome["frictionless"] == "5.18.0"
    assert sorted(outcome["results"]) == sorted(map(str, SCHEMAS))
    for path, result in outcome["results"].items():
        assert result == {"valid": True, "datatype": "schema", "errors": []}, path
