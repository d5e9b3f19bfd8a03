#!/usr/bin/env bash
# The README's picture of the printed calendar, made by the project's own command: two cycles of
# aldesleukin-sc from Monday 4 January 2027 as the HTML calendar, photographed by headless
# Chromium (Debian's chromium; scripts/test.sh installs it) at 1400x1000 into
# docs/images/calendar.png. SOURCE_DATE_EPOCH fixes the "Made ..." line, so reruns match.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BROWSER=$(command -v chromium || command -v chromium-browser || true)
[ -n "$BROWSER" ] || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }
SCHEDULER=${SCHEDULER:-.venv/bin/scheduler}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1795000000} "$SCHEDULER" plan aldesleukin-sc \
  --start 2027-01-04 --cycles 2 --tz Europe/London --format html -o "$work/calendar.html"
mkdir -p docs/images
timeout 60 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1400,1000 \
  --screenshot="$PWD/docs/images/calendar.png" "file://$work/calendar.html" 2>/dev/null
[ -s docs/images/calendar.png ] || { echo "chromium wrote no docs/images/calendar.png" >&2; exit 1; }
echo "Wrote docs/images/calendar.png ($(wc -c <docs/images/calendar.png) bytes)"
