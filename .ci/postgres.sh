#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the calibration many-worker test.
#
#   eval "$(.ci/postgres.sh start)"     # prints: export HYBRID_RG_POSTGRES_URL=postgresql://...; export HYBRID_RG_PG_DIR=...
#   .venv/bin/pytest -q -m postgres tests/calibration
#   .ci/postgres.sh stop                # stops the server and deletes its data folder ($HYBRID_RG_PG_DIR)
#
# The URL names the psycopg2 driver (SQLAlchemy 2.1 would pick psycopg 3 for a bare postgresql://).
# Uses the server binaries on PATH or in /usr/local/bin or /usr/lib/postgresql/*/bin (apt-get install postgresql-15
# on a fresh machine). PostgreSQL refuses to run as root: as root the server runs as the user 'hrgpg' (created with
# useradd if missing). Listens on 127.0.0.1 only, on a free port, trust authentication for that user only.
set -euo pipefail

find_bin() {
    for d in "" /usr/local/bin /usr/lib/postgresql/*/bin; do
        if [ -z "$d" ]; then command -v "$1" 2>/dev/null && return 0; elif [ -x "$d/$1" ]; then echo "$d/$1"; return 0; fi
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -z "${POSTGRES_SH_TRIED_APT:-}" ]; then
        export POSTGRES_SH_TRIED_APT=1          # a fresh machine without the server: install it once
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15) >&2 && find_bin "$1" && return 0
    fi
    echo "postgres.sh: no '$1' found; install the server (apt-get install postgresql-15)" >&2
    return 1
}

as_owner() {   # run a command as the data folder's owner
    if [ "$(id -u)" = 0 ]; then su -s /bin/bash hrgpg -c "$*"; else bash -c "$*"; fi
}

start() {
    local initdb pg_ctl postgres dir port
    initdb=$(find_bin initdb); pg_ctl=$(find_bin pg_ctl); postgres=$(find_bin postgres)
    dir=$(mktemp -d /tmp/hybrid-rg-pg.XXXXXX)
    if [ "$(id -u)" = 0 ]; then
        id hrgpg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin hrgpg
        chown hrgpg "$dir"
    fi
    chmod 700 "$dir"
    as_owner "'$initdb' -D '$dir/data' -U hrgpg --auth=trust -E UTF8 >'$dir/initdb.log' 2>&1"
    as_owner "echo 'CREATE DATABASE hybrid_rg;' | '$postgres' --single -D '$dir/data' postgres >'$dir/single.log' 2>&1"
    # the port is free when picked, but another process may bind it before the server does: then a new port
    for attempt in 1 2 3; do
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        if as_owner "'$pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 120 -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir'\" start >'$dir/pg_ctl.log' 2>&1"; then
            break
        fi
        if [ "$attempt" = 3 ]; then
            echo "postgres.sh: the server did not start (log: $dir/server.log)" >&2
            tail -n 20 "$dir/server.log" >&2 || true
            return 1
        fi
    done
    echo "export HYBRID_RG_POSTGRES_URL=postgresql+psycopg2://hrgpg@127.0.0.1:$port/hybrid_rg"
    echo "export HYBRID_RG_PG_DIR=$dir"
}

stop() {
    local dir="${1:-${HYBRID_RG_PG_DIR:-}}" pg_ctl
    if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then echo "postgres.sh stop: no server folder (HYBRID_RG_PG_DIR)" >&2; return 1; fi
    pg_ctl=$(find_bin pg_ctl)
    as_owner "'$pg_ctl' -D '$dir/data' -m fast -w stop >/dev/null 2>&1" || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) shift; stop "$@" ;;
    *) echo "usage: $0 start | stop [DIR]" >&2; exit 2 ;;
esac
