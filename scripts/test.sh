#!/usr/bin/env bash
# Set up and run every check. This is the README's test command, and .ci/run calls it as is.
# Idempotent: a second run reuses .venv and tests/js/node_modules.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "treatment-scheduler needs Python 3.11 or newer (set PYTHON=python3.x)" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

# Mozilla's ical.js, the independent reader of our .ics files, comes from npm.
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "note: Node.js/npm not found; the ical.js tests will be skipped (they fail under CI=true)" >&2
  fi
fi
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
fi

# Debian packages the tests start for real: headless Chromium prints the HTML calendar to PDF
# and PNG (tests/export/test_html_browser.py; Debian's package, never a browser download);
# nginx with openssl puts the feed server behind HTTPS (tests/feed/test_proxy.py); wrk is the
# load generator of bench/feed.py; gcc, pkg-config and libical-dev build the libical reader of
# our .ics files (tests/libical/read_ics.c); postgresql is the database server the store tests
# start on 127.0.0.1. Missing ones are installed when we may (root with
# apt).
missing=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
  || missing+=(chromium)
for tool in nginx openssl wrk gcc pkg-config; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
pkg-config --exists libical 2>/dev/null || missing+=(libical-dev)
# PostgreSQL: the store tests start a throwaway server of their own (initdb, pg_ctl).
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
  || missing+=(postgresql)
# zbarimg reads back the QR code of a patient's link in the clinic app's browser test.
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "note: ${missing[*]} not found; their tests will be skipped (they fail under CI=true)" >&2
  fi
fi
# Installing nginx may start Debian's default site on port 80; the tests run their own.
if [ "${CI:-}" = true ] && command -v service >/dev/null 2>&1; then service nginx stop >/dev/null 2>&1 || true; fi

.venv/bin/ruff check scheduler tests bench
.venv/bin/ruff format --check scheduler tests bench
.venv/bin/mypy
.venv/bin/pytest "$@"
