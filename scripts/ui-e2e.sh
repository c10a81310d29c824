#!/usr/bin/env bash
# The admin UI's end-to-end test: Debian's Chromium (headless) against the real server on a
# fresh SQLite database. Builds what it needs first; never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-chromium.sh
${CARGO:-cargo} build --quiet --bin wagate
cd admin-ui
WAGATE_BIN="$PWD/../target/debug/wagate" ADMIN_UI_DIR="$PWD/dist" node e2e/run.mjs
