#!/usr/bin/env bash
# Create (once) and cache udata's own virtual environment, apart from the package's .venv, whose
# pins udata's many dependencies must never touch. Prints the environment's python on stdout.
#
#   scripts/udata-env.sh            # create if missing, print its python
#   scripts/udata-env.sh --check    # print its python if it is ready, else exit 1 (the tests' use)
#   UDATA_VENV=DIR scripts/udata-env.sh
#
# The environment holds udata (data.gouv.fr's software, pinned below) and mongomock, which stands
# in for MongoDB in tests/portals/udata_harvest.py. It is rebuilt when the pins below change.
set -euo pipefail

UDATA_VERSION="17.18.0"
MONGOMOCK_VERSION="4.3.0"
PYTHON="${PYTHON:-python3}"
VENV="${UDATA_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/contratville-data/udata-venv}"
STAMP="udata==${UDATA_VERSION} mongomock==${MONGOMOCK_VERSION}"

if [[ -x "$VENV/bin/python" && -f "$VENV/.contratville-stamp" && "$(cat "$VENV/.contratville-stamp")" == "$STAMP" ]]; then
    echo "$VENV/bin/python"
    exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
    echo "udata's environment is missing or stale at $VENV: run scripts/udata-env.sh" >&2
    exit 1
fi
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV" >&2
"$VENV/bin/pip" install --quiet --disable-pip-version-check "udata==${UDATA_VERSION}" \
    "mongomock==${MONGOMOCK_VERSION}" >&2
echo "$STAMP" > "$VENV/.contratville-stamp"
echo "$VENV/bin/python"
