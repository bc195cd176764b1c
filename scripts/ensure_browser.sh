#!/usr/bin/env bash
# Browser for the web-page tests (tests/test_web.py): Debian's chromium + chromium-driver.
# Quick no-op when already installed. Installs with apt-get when missing and allowed (root);
# with CI=true a missing browser that cannot be installed is an error (tests must not skip).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing chromium for the browser tests (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "error: /usr/bin/chromium is missing and cannot be installed here (need root + apt-get)" >&2
  exit 1
fi
echo "note: no /usr/bin/chromium; the browser tests will be skipped (run as root to install it)"
