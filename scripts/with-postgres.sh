#!/usr/bin/env bash
# Runs a command with TEST_DATABASE_URL pointing at PostgreSQL.
#
#   scripts/with-postgres.sh cargo nextest run --test it
#
# If TEST_DATABASE_URL is already set, it is used as is. Otherwise a throwaway cluster is
# created in a temp dir on a free loopback port (initdb + pg_ctl) and removed when the command
# ends. Tests run it with fsync off; PG_DURABLE=1 keeps PostgreSQL's durable defaults (fsync,
# synchronous_commit, full_page_writes on), as benchmarks need. Anything missing stops the run with a message saying what to install.
set -euo pipefail

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  exec "$@"
fi

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin/"$name"; do
    [[ -x "$candidate" ]] && { echo "$candidate"; return; }
  done
  return 1
}

INITDB=$(find_bin initdb) && PG_CTL=$(find_bin pg_ctl) || {
  echo "with-postgres: PostgreSQL's server binaries (initdb, pg_ctl) are not installed." >&2
  echo "  Install them (Debian: apt-get install -y postgresql) or set TEST_DATABASE_URL to a server you run." >&2
  exit 1
}

DIR=$(mktemp -d /tmp/wagate-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# initdb refuses to run as root: run the cluster as the postgres system user then.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "with-postgres: running as root needs a 'postgres' system user (useradd -r postgres)" >&2; exit 1; }
    chown postgres "$DIR"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cleanup() {
  as_owner "$PG_CTL" -D "$DIR/data" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

DURABILITY="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[[ "${PG_DURABLE:-0}" == 1 ]] && DURABILITY=""

as_owner "$INITDB" -D "$DIR/data" -A trust -U postgres >"$DIR/initdb.log" 2>&1 || {
  echo "with-postgres: initdb failed:" >&2; cat "$DIR/initdb.log" >&2; exit 1; }
as_owner "$PG_CTL" -D "$DIR/data" -w -l "$DIR/server.log" \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 $DURABILITY -c max_connections=500" \
  start >/dev/null || { echo "with-postgres: the server did not start:" >&2; cat "$DIR/server.log" >&2; exit 1; }

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
echo "with-postgres: PostgreSQL $("$PG_CTL" --version | awk '{print $3}') on 127.0.0.1:$PORT (throwaway, in $DIR)" >&2
"$@"
