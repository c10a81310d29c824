#!/usr/bin/env bash
# make bench: builds release binaries and runs the load generators (bench/) against a real
# `wagate serve` on SQLite, then on a throwaway PostgreSQL cluster with durable settings (scripts/with-postgres.sh).
# BENCH_ARGS passes options to every run of `wagate-bench ingest` and `wagate-bench send` (both take
# --runs and --seconds, e.g. "--runs 1 --seconds 3"); INGEST_ARGS and SEND_ARGS to one of them only
# (e.g. SEND_ARGS="--rate 500").
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"

"$CARGO" build --release -p wagate -p wagate-bench
echo "release binary: $(stat -c %s target/release/wagate) bytes (target/release/wagate)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"

# shellcheck disable=SC2086 # the *_ARGS are lists of options
target/release/wagate-bench ingest ${BENCH_ARGS:-} ${INGEST_ARGS:-}
# shellcheck disable=SC2016 # expanded by the inner shell, where with-postgres.sh sets it
PG_DURABLE=1 scripts/with-postgres.sh sh -c 'target/release/wagate-bench ingest --postgres "$TEST_DATABASE_URL" '"${BENCH_ARGS:-} ${INGEST_ARGS:-}"

# Sending on a fresh PostgreSQL cluster too, so ingest's leftovers (WAL, checkpoints) do not weigh on it.
# shellcheck disable=SC2086 # the *_ARGS are lists of options
target/release/wagate-bench send ${BENCH_ARGS:-} ${SEND_ARGS:-}
# shellcheck disable=SC2016 # expanded by the inner shell, where with-postgres.sh sets it
PG_DURABLE=1 scripts/with-postgres.sh sh -c 'target/release/wagate-bench send --postgres "$TEST_DATABASE_URL" '"${BENCH_ARGS:-} ${SEND_ARGS:-}"
