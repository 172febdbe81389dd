#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 cluster for the test suite, on loopback only.
# Usage: .ci/postgres.sh start|stop|url   (PGPORT defaults to 55432)
# PostgreSQL refuses to run as root, so the cluster belongs to the postgres user.
set -euo pipefail
PGPORT="${STOCKCAST_PG_PORT:-55432}"
PGDATA="${STOCKCAST_PG_DATA:-/tmp/stockcast-pg-$PGPORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
URL="postgresql://stockcast:stockcast@127.0.0.1:$PGPORT/stockcast"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ -z "$BIN" ]; then
      echo "PostgreSQL binaries not found; installing postgresql from Debian" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    if as_pg "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
      echo "$URL"; exit 0
    fi
    rm -rf "$PGDATA"; mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
    as_pg "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >/dev/null
    as_pg "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
      -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
    "$BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1 \
      -c "create role stockcast login superuser password 'stockcast'" \
      -c "create database stockcast owner stockcast" >/dev/null
    echo "$URL"
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
    ;;
  url)
    echo "$URL"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2; exit 2
    ;;
esac
