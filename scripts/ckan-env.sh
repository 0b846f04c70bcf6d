#!/usr/bin/env bash
# CKAN for the portal tests: PostgreSQL from Debian's packages, CKAN in its own cached virtual
# environment (apart from the package's .venv, whose pins CKAN's must never touch), and throwaway
# PostgreSQL clusters that listen only on a unix socket in a temporary folder.
#
#   scripts/ckan-env.sh install     # apt-get PostgreSQL and libpq-dev if missing; create the venv if missing
#                                   # or stale; print its python
#   scripts/ckan-env.sh python      # print the venv's python; exit 1 if `install` has not made it
#   scripts/ckan-env.sh start [DB]  # new cluster with empty databases DB... (default: ckan); print its folder
#   scripts/ckan-env.sh stop DIR    # stop the cluster in DIR and delete DIR
#
# The venv is ${CKAN_VENV:-${XDG_CACHE_HOME:-~/.cache}/contratville-data/ckan-venv}; it is rebuilt
# when the pins below change. A database's SQLAlchemy URL is postgresql://postgres@/DB?host=DIR.
# As root (CI), clusters run as the `postgres` user that Debian's package creates.
set -euo pipefail

CKAN_VERSION="2.12.0"
VENV="${CKAN_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/contratville-data/ckan-venv}"
STAMP="ckan[requirements]==${CKAN_VERSION}"

die() { echo "ckan-env.sh: $*" >&2; exit 1; }

pg_bin() {  # the folder of initdb and pg_ctl: Debian's newest, else the PATH's
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [[ -z "$dir" ]] && command -v initdb >/dev/null; then dir="$(dirname "$(command -v initdb)")"; fi
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] || return 1
    echo "$dir"
}

as_owner() {  # run a PostgreSQL server command as a non-root user, as initdb requires
    if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ckan_venv() {  # the cached venv (scripts/pinned-env.sh); --check: only if it is ready
    VENV_DIR="$VENV" bash "$(dirname "$0")/pinned-env.sh" ckan "$@" "$STAMP"
}

case "${1:-}" in
install)
    missing=()  # the server, and libpq's headers and pg_config to build psycopg2
    pg_bin >/dev/null || missing+=(postgresql)
    command -v pg_config >/dev/null || missing+=(libpq-dev)
    if (( ${#missing[@]} )); then
        [[ "$(id -u)" == 0 ]] || die "missing: ${missing[*]}; as root: apt-get install -y ${missing[*]}"
        apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
    fi
    ckan_venv
    ;;
python)
    ckan_venv --check 2>/dev/null || die "CKAN's venv is missing or stale at $VENV: run scripts/ckan-env.sh install"
    ;;
start)
    bin="$(pg_bin)" || die "PostgreSQL is missing: run scripts/ckan-env.sh install"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/contratville-pg.XXXXXX")"
    if [[ "$(id -u)" == 0 ]]; then chown postgres: "$dir"; fi
    if ! as_owner "$bin/initdb" --pgdata="$dir/data" --username=postgres --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
        log="$(tail -n 5 "$dir/initdb.log")"; rm -rf "$dir"; die "initdb failed: $log"
    fi
    if ! as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait \
            --options="-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off" start >/dev/null; then
        log="$(tail -n 5 "$dir/server.log")"; rm -rf "$dir"; die "PostgreSQL did not start: $log"
    fi
    shift
    for database in "${@:-ckan}"; do
        if ! "$bin/createdb" --host="$dir" --username=postgres "$database"; then
            as_owner "$bin/pg_ctl" --pgdata="$dir/data" --mode=immediate --wait stop >/dev/null; rm -rf "$dir"
            die "could not create the database $database"
        fi
    done
    echo "$dir"
    ;;
stop)
    dir="${2:-}"
    [[ -n "$dir" && -d "$dir/data" ]] || die "usage: scripts/ckan-env.sh stop DIR (a folder printed by start)"
    bin="$(pg_bin)" || die "PostgreSQL is missing"
    as_owner "$bin/pg_ctl" --pgdata="$dir/data" --mode=immediate --wait stop >/dev/null
    rm -rf "$dir"
    ;;
*)
    die "usage: scripts/ckan-env.sh install | python | start [DB...] | stop DIR"
    ;;
esac
