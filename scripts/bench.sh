#!/usr/bin/env bash
# make bench: builds release binaries and runs the load generators (bench/) against a real
# `wagate serve`: on SQLite, then on a throwaway PostgreSQL cluster with durable settings
# (scripts/with-postgres.sh, PG_DURABLE=1). Every benchmark runs even when one fails (a missed
# rate, a failed exactly-once check); the script then exits with an error naming them.
#
# BENCH_ARGS goes to every `ingest` and `send` run (both take --runs and --seconds, e.g.
# "--runs 1 --seconds 3"); INGEST_ARGS, SEND_ARGS, FANOUT_ARGS and QUERIES_ARGS to one kind.
set -uo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"

"$CARGO" build --release -p wagate -p wagate-bench || exit 1
echo "release binary: $(stat -c %s target/release/wagate) bytes (target/release/wagate)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"

failed=()
# bench NAME ARGS...: one wagate-bench run on SQLite
bench() {
  local name=$1; shift
  target/release/wagate-bench "$@" || failed+=("$name")
}
# bench_pg NAME ARGS...: the same on a fresh durable PostgreSQL cluster
bench_pg() {
  local name=$1; shift
  # shellcheck disable=SC2016 # expanded by the inner shell, where with-postgres.sh sets it
  PG_DURABLE=1 scripts/with-postgres.sh sh -c 'target/release/wagate-bench "$@" --postgres "$TEST_DATABASE_URL"' sh "$@" \
    || failed+=("$name")
}

# shellcheck disable=SC2086 # the *_ARGS are lists of options
{
  bench "ingest (SQLite)" ingest ${BENCH_ARGS:-} ${INGEST_ARGS:-}
  bench "ingest, one admin watching (SQLite)" ingest --watchers 1 ${BENCH_ARGS:-} ${INGEST_ARGS:-}
  bench_pg "ingest (PostgreSQL)" ingest ${BENCH_ARGS:-} ${INGEST_ARGS:-}
  bench "queries (SQLite)" queries ${QUERIES_ARGS:-}
  bench_pg "queries (PostgreSQL)" queries ${QUERIES_ARGS:-}
  # Fan-out does not depend on the store: events are published in process after the commit.
  bench "fanout" fanout ${FANOUT_ARGS:-}
  bench "send (SQLite)" send ${BENCH_ARGS:-} ${SEND_ARGS:-}
  # The same without a disk flush per commit: what wagate itself adds (SQLITE_SYNCHRONOUS).
  bench "send (SQLite, synchronous=normal)" send --sqlite-synchronous normal ${BENCH_ARGS:-} ${SEND_ARGS:-}
  bench_pg "send (PostgreSQL)" send ${BENCH_ARGS:-} ${SEND_ARGS:-}
}

if ((${#failed[@]})); then
  printf 'make bench: these benchmarks failed: %s\n' "${failed[*]}" >&2
  exit 1
fi
