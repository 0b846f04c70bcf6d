#!/usr/bin/env bash
# Create (once) and cache the Python environment of schema.data.gouv.fr's aggregator, apart from the
# package's .venv (its frictionless pin differs from ours). Prints the environment's python on stdout.
#
#   scripts/schema-datagouv-env.sh            # create if missing, print its python
#   scripts/schema-datagouv-env.sh --check    # print its python if it is ready, else exit 1 (the tests' use)
#   SCHEMA_DATAGOUV_VENV=DIR scripts/schema-datagouv-env.sh
#
# The pins are the aggregator's own: datagouv/data-engineering-stack requirements.txt (commit 19a61ad,
# 2026-05-12), the image that runs datagouv/datagouvfr_data_pipelines' schema/website DAG. Unidecode is
# an undeclared dependency of table-schema-to-markdown. The environment is rebuilt when the pins change.
set -euo pipefail

FRICTIONLESS_VERSION="5.18.0"
TS2MD_VERSION="0.4.13"
UNIDECODE_VERSION="1.3.8"
PYTHON="${PYTHON:-python3}"
VENV="${SCHEMA_DATAGOUV_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/contratville-data/schema-datagouv-venv}"
STAMP="frictionless==${FRICTIONLESS_VERSION} table-schema-to-markdown==${TS2MD_VERSION} Unidecode==${UNIDECODE_VERSION}"

if [[ -x "$VENV/bin/python" && -f "$VENV/.contratville-stamp" && "$(cat "$VENV/.contratville-stamp")" == "$STAMP" ]]; then
    echo "$VENV/bin/python"
    exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
    echo "schema.data.gouv.fr's environment is missing or stale at $VENV: run scripts/schema-datagouv-env.sh" >&2
    exit 1
fi
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV" >&2
# shellcheck disable=SC2086
"$VENV/bin/pip" install --quiet --disable-pip-version-check $STAMP >&2
echo "$STAMP" > "$VENV/.contratville-stamp"
echo "$VENV/bin/python"
