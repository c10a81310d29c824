#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the admin UI's browser tests
# (playwright-core drives it; browser downloads are not possible here). As root it installs
# the package with apt (with an emoji font, so screenshots show emoji); otherwise it fails
# saying how.
set -euo pipefail

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$chromium" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $chromium is missing; installing Debian's chromium with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium fonts-noto-color-emoji >&2
  if [ -x "$chromium" ]; then
    exit 0
  fi
fi
echo "ensure-chromium: $chromium is missing; install Debian's chromium: sudo apt-get install -y chromium" >&2
exit 1
