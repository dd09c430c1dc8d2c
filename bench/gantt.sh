#!/usr/bin/env bash
# The board's Gantt chart of a generated 40-technician and 150-technician day, rendered to PNG
# by real renderers: the SVG by rsvg-convert (librsvg), the HTML page by headless Chromium.
# The day is shown as it stands at 10:00 (notices delivered, the first visits done or under way).
# Prints a table and leaves the files in the output directory to be looked at.
#   bench/gantt.sh [--out DIR]      (default /tmp/fielddispatch-gantt)
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
scripts/install-deps --charts
python3 bench/gantt.py "$DISPATCH" "$@"
