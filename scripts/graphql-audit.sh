#!/usr/bin/env bash
# Runs graphql-http's GraphQL-over-HTTP server audit against the real server.
#
#   scripts/graphql-audit.sh
#
# Installs tools/graphql-audit's packages when missing or older than the lock file, builds
# `wagate`, serves it on a free loopback port with a throwaway SQLite database in a temp dir,
# waits for /readyz, runs tools/graphql-audit/audit.mjs, and stops the server whatever happens.
# Exits with the audit's status: non-zero when a MUST fails.
set -euo pipefail

cd "$(dirname "$0")/.."
AUDIT_DIR=tools/graphql-audit

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "graphql-audit: \`$tool\` is not installed; install Node.js 20 or newer with npm" >&2
    echo "  (Debian: apt-get install -y nodejs npm; elsewhere: https://nodejs.org/en/download)" >&2
    exit 1
  }
done

if [[ ! -d $AUDIT_DIR/node_modules || $AUDIT_DIR/package-lock.json -nt $AUDIT_DIR/node_modules/.package-lock.json ]]; then
  echo "graphql-audit: installing $AUDIT_DIR's packages (npm ci)" >&2
  npm ci --prefix "$AUDIT_DIR" --no-audit --no-fund
fi

"${CARGO:-cargo}" build --bin wagate
TARGET_DIR=${CARGO_TARGET_DIR:-target}
[[ $TARGET_DIR = /* ]] || TARGET_DIR="$PWD/$TARGET_DIR"
BIN="$TARGET_DIR/debug/wagate"

DIR=$(mktemp -d /tmp/wagate-audit.XXXXXX)
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT

PORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
BASE="http://127.0.0.1:$PORT"

# Started in the temp dir so that no .env of the working copy is read.
(
  cd "$DIR"
  exec env BIND_ADDR="127.0.0.1:$PORT" \
    DATABASE_URL="sqlite://$DIR/wagate.db?mode=rwc" \
    JWT_SECRET="graphql-audit-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
    WHATSAPP_APP_SECRET=graphql-audit-app-secret \
    WHATSAPP_WEBHOOK_TOKEN=graphql-audit-verify-token \
    MEDIA_DIR="$DIR/media" \
    ADMIN_UI_DIR="$DIR/no-admin-ui" \
    RUST_LOG=warn \
    "$BIN" serve
) >"$DIR/server.log" 2>&1 &
SERVER_PID=$!

ready() {
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$BASE/readyz"
}
deadline=$((SECONDS + 30))
until ready; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null || ((SECONDS > deadline)); then
    echo "graphql-audit: the server did not become ready on $BASE; its log:" >&2
    cat "$DIR/server.log" >&2
    exit 1
  fi
  sleep 0.2
done

status=0
node "$AUDIT_DIR/audit.mjs" "$BASE/graphql" || status=$?
exit "$status"
