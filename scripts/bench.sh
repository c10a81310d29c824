#!/usr/bin/env bash
# make bench: builds release binaries and runs the load generators (bench/) against a real
# `wagate serve` on SQLite, then on a throwaway PostgreSQL cluster with durable settings (scripts/with-postgres.sh).
# BENCH_ARGS passes options to every `wagate-bench ingest` (e.g. "--runs 1 --seconds 3"),
# FANOUT_ARGS to `wagate-bench fanout` (e.g. "--subscribers 1000 --runs 1").
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"

"$CARGO" build --release -p wagate -p wagate-bench
echo "release binary: $(stat -c %s target/release/wagate) bytes (target/release/wagate)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"

# shellcheck disable=SC2086 # BENCH_ARGS is a list of options
target/release/wagate-bench ingest ${BENCH_ARGS:-}
# Fan-out does not depend on the store (events are published after the commit, in process).
# shellcheck disable=SC2086
target/release/wagate-bench fanout ${FANOUT_ARGS:-}
# shellcheck disable=SC2016 # expanded by the inner shell, where with-postgres.sh sets it
PG_DURABLE=1 scripts/with-postgres.sh sh -c 'target/release/wagate-bench ingest --postgres "$TEST_DATABASE_URL" '"${BENCH_ARGS:-}"
