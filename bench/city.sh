#!/usr/bin/env bash
# City-day benchmark (see bench/city.py): builds `dispatch` in release mode, sets up the OR-Tools
# peer in /tmp/peers-venv if PyPI is reachable, and prints the comparison table.
#   bench/city.sh [--sizes 300x40,2000x150] [--seconds S] [--seeds 1,2,3] [--no-peer]
set -euo pipefail
source "$(dirname "$0")/setup.sh"
exec python3 bench/city.py "$DISPATCH" "$@"
