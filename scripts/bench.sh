#!/usr/bin/env bash
# make bench: builds release binaries and runs the load generators (bench/) against a real
# `wagate serve` on SQLite, then on a throwaway PostgreSQL cluster with durable settings (scripts/with-postgres.sh).
# BENCH_ARGS passes options to every `wagate-bench ingest` (e.g. "--runs 1 --seconds 3"),
# QUERIES_ARGS to every `wagate-bench queries` (e.g. "--runs 1 --requests 200").
# With the defaults (3 runs each; each queries run seeds 1 M messages, about 2 minutes) it takes
# about 20 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"

"$CARGO" build --release -p wagate -p wagate-bench
echo "release binary: $(stat -c %s target/release/wagate) bytes (target/release/wagate)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"

# shellcheck disable=SC2086 # BENCH_ARGS and QUERIES_ARGS are lists of options
target/release/wagate-bench ingest ${BENCH_ARGS:-}
# shellcheck disable=SC2016 # expanded by the inner shell, where with-postgres.sh sets it
PG_DURABLE=1 scripts/with-postgres.sh sh -c 'target/release/wagate-bench ingest --postgres "$TEST_DATABASE_URL" '"${BENCH_ARGS:-}"
# shellcheck disable=SC2086
target/release/wagate-bench queries ${QUERIES_ARGS:-}
# shellcheck disable=SC2016
PG_DURABLE=1 scripts/with-postgres.sh sh -c 'target/release/wagate-bench queries --postgres "$TEST_DATABASE_URL" '"${QUERIES_ARGS:-}"
