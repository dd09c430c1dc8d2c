#!/usr/bin/env bash
# The live board at 150 technicians and 2,000 orders (issue 28): first paint under 2 s, a
# technician's report on screen within 1 s. Release build, SQLite, Debian's chromium through
# Python Playwright (installed into .build/browser-venv when missing). Prints a table.
#   bench/board.sh [--orders N] [--technicians N] [--runs N] [--reports N]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
scripts/test-browser --install-only
python=python3
python3 -c 'import playwright' 2>/dev/null || python=.build/browser-venv/bin/python
"$python" bench/board.py "$DISPATCH" "$@"
