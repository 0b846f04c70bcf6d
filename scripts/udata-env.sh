#!/usr/bin/env bash
# udata's own cached environment (data.gouv.fr's software, for the harvester tests), apart from the
# package's .venv. mongomock stands in for MongoDB in tests/portals/udata_harvest.py.
#
#   scripts/udata-env.sh            # create if missing, print its python
#   scripts/udata-env.sh --check    # print its python if it is ready, else exit 1 (the tests' use)
set -euo pipefail
VENV_DIR="${UDATA_VENV:-${VENV_DIR:-}}" exec bash "$(dirname "$0")/pinned-env.sh" udata "$@" \
    udata==17.18.0 mongomock==4.3.0
