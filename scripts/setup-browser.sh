#!/usr/bin/env bash
# Debian's chromium for the browser tests (Playwright drives it; it never downloads one).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "browser tests need chromium: run 'sudo apt-get install -y chromium'" >&2
  exit 1
fi
echo "installing chromium (Debian package) for the browser tests ..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
