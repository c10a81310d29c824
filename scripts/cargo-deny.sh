#!/usr/bin/env bash
# Checks the dependency tree with cargo-deny (bans, licenses, sources; see deny.toml),
# installing the pinned cargo-deny from crates.io first when it is missing (a few minutes, once).
# Advisories are not checked: the RustSec database cannot be fetched from this network.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=0.20.2
CARGO=${CARGO:-cargo}

if ! "$CARGO" deny --version 2>/dev/null | grep -qx "cargo-deny $VERSION"; then
  echo "cargo-deny $VERSION is not installed; installing it from crates.io (once, a few minutes)..." >&2
  "$CARGO" install --locked --quiet "cargo-deny@$VERSION" || {
    echo "cargo-deny could not be installed. Install it by hand: cargo install --locked cargo-deny@$VERSION" >&2
    exit 1
  }
fi
exec "$CARGO" deny --log-level error check --hide-inclusion-graph bans licenses sources
