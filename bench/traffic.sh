#!/usr/bin/env bash
# Travel by time of day (see bench/traffic.py): planning speed with and without day parts, and
# what a plan that ignores the rush hour breaks on the real clock. Prints one table.
#   bench/traffic.sh [--sizes 300x40,2000x150] [--iterations 3000] [--seed 1]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
exec python3 bench/traffic.py "$DISPATCH" "$@"
