#!/usr/bin/env bash
# Create (once) and cache a virtual environment holding pinned packages, apart from the package's
# .venv, whose pins theirs must never touch; print its python on stdout. The environment lives in
# ${XDG_CACHE_HOME:-~/.cache}/contratville-data/NAME-venv (or $VENV_DIR) and is rebuilt when the pins change.
#
#   scripts/pinned-env.sh NAME [--check] PACKAGE==VERSION...
#       --check: print its python if it is ready, else exit 1 (the tests' use); never installs
set -euo pipefail

NAME="$1"; shift
CHECK=""
if [[ "${1:-}" == "--check" ]]; then CHECK=1; shift; fi
PYTHON="${PYTHON:-python3}"
VENV="${VENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/contratville-data/${NAME}-venv}"
STAMP="$*"

if [[ -x "$VENV/bin/python" && -f "$VENV/.contratville-stamp" && "$(cat "$VENV/.contratville-stamp")" == "$STAMP" ]]; then
    echo "$VENV/bin/python"
    exit 0
fi
if [[ -n "$CHECK" ]]; then
    echo "the $NAME environment is missing or stale at $VENV: run scripts/${NAME}-env.sh" >&2
    exit 1
fi
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV" >&2
"$VENV/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
echo "$STAMP" > "$VENV/.contratville-stamp"
echo "$VENV/bin/python"
