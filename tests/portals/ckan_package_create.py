"""Give a ckan.json to a real CKAN, as a publisher would, and print what its users then see.

Runs with CKAN's own python (scripts/ckan-env.sh), never the package's:

    python ckan_package_create.py [--licenses FILE] DATABASE_URL WORK_DIR CKAN_JSON...

On the empty PostgreSQL database at DATABASE_URL, with CKAN's generated configuration (written in
WORK_DIR) and its default licence register, or the site register FILE (``licenses_group_url``):
``ckan db init``; the user ``editeur`` is created.
Then for each CKAN_JSON in turn: a sysadmin creates the organisation named by its ``owner_org``
and makes ``editeur`` its editor; ``editeur`` calls ``package_create`` with it; an anonymous
visitor calls ``package_show`` through the action API. Prints one JSON line per package:
``{"status": ..., "body": ...}``, the API's HTTP status and answer, or ``{"error": ...}``, CKAN's
refusal of ``package_create``.

CKAN 2.10 removed ``ckan.search.automatic_indexing``, and neither a setting nor a core plugin turns
the Solr index off: ``package_create`` indexes the dataset before committing unless its context
has ``defer_commit``. The test has no Solr, so ``package_create`` runs with ``defer_commit`` and
the transaction is committed as ``package_create`` itself would, without the index.
``package_show`` reads the database when the index is unreachable.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

#: Unreachable: CKAN warns at start and package_show falls back on the database.
NO_SOLR = "http://127.0.0.1:9/solr/none"


def configure(database_url: str, work: Path, licenses: str | None) -> Path:
    """CKAN's own generated configuration, pointed at the database, at no Solr, and at ``licenses``."""
    ckan = Path(sys.executable).parent / "ckan"
    ini = work / "ckan.ini"
    subprocess.run([ckan, "generate", "config", ini], check=True, capture_output=True)
    storage = work / "storage"
    storage.mkdir()
    settings = [f"sqlalchemy.url = {database_url}", "ckan.site_url = http://127.0.0.1:5000",
                f"solr_url = {NO_SOLR}", f"ckan.storage_path = {storage}"]
    if licenses is not None:
        settings.append(f"licenses_group_url = file://{Path(licenses).resolve()}")
    subprocess.run([ckan, "config-tool", ini, *settings], check=True, capture_output=True)
    subprocess.run([ckan, "-c", ini, "db", "init"], check=True, capture_output=True)
    return ini


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--licenses")
    parser.add_argument("database_url")
    parser.add_argument("work_dir", type=Path)
    parser.add_argument("packages", nargs="+", type=Path)
    options = parser.parse_args(arguments)

    from ckan import model
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from ckan.plugins import toolkit

    ini = configure(options.database_url, options.work_dir, options.licenses)
    flask_app = make_app(load_config(str(ini)))._wsgi_app
    with flask_app.test_request_context():
        site = {"user": toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
        toolkit.get_action("user_create")(dict(site), {"name": "editeur", "email": "editeur@example.org",
                                                      "password": "mot-de-passe-de-test"})
    for path in options.packages:
        package = json.loads(path.read_text(encoding="utf-8"))
        with flask_app.test_request_context():
            refusal = _create(model, toolkit, site, package)
        if refusal is not None:
            print(json.dumps({"error": refusal}, ensure_ascii=False))
            continue
        answer = flask_app.test_client().get("/api/3/action/package_show", query_string={"id": package["name"]})
        print(json.dumps({"status": answer.status_code, "body": answer.get_json()}, ensure_ascii=False))
    return 0


def _create(model, toolkit, site: dict, package: dict):
    """Create the package as ``editeur``, editor of its organisation; CKAN's refusal, or None."""
    if "owner_org" in package:
        toolkit.get_action("organization_create")(dict(site, return_id_only=True),
                                                  {"name": package["owner_org"], "title": package["owner_org"]})
        toolkit.get_action("organization_member_create")(
            dict(site), {"id": package["owner_org"], "username": "editeur", "role": "editor"})
    try:
        toolkit.get_action("package_create")({"user": "editeur", "defer_commit": True}, package)
    except toolkit.ValidationError as error:
        model.Session.rollback()
        return error.error_dict
    except toolkit.NotAuthorized as error:
        model.Session.rollback()
        return str(error)
    model.repo.commit()
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
