#!/usr/bin/env bash
# The environment of schema.data.gouv.fr's aggregator, cached apart from the package's .venv (its
# frictionless pin differs from ours). The pins are the aggregator's own: datagouv/data-engineering-stack
# requirements.txt (commit 19a61ad, 2026-05-12), the image that runs datagouv/datagouvfr_data_pipelines'
# schema/website DAG; Unidecode is an undeclared dependency of table-schema-to-markdown.
#
#   scripts/schema-datagouv-env.sh            # create if missing, print its python
#   scripts/schema-datagouv-env.sh --check    # print its python if it is ready, else exit 1 (the tests' use)
set -euo pipefail
VENV_DIR="${SCHEMA_DATAGOUV_VENV:-${VENV_DIR:-}}" exec bash "$(dirname "$0")/pinned-env.sh" schema-datagouv "$@" \
    frictionless==5.18.0 table-schema-to-markdown==0.4.13 Unidecode==1.3.8
