#!/usr/bin/env bash
# City-day benchmark (see bench/city.py): builds `dispatch` in release mode, sets up the OR-Tools
# peer in /tmp/peers-venv if PyPI is reachable, and prints the comparison table.
#   bench/city.sh [--sizes 300x40,2000x150] [--seconds S] [--seeds 1,2,3] [--no-peer]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps
swift build -c release --product dispatch >&2
if [[ ! -x /tmp/peers-venv/bin/python ]] && [[ " $* " != *" --no-peer "* ]]; then
  { python3 -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install -q ortools pyvrp pyvroom; } >&2 || echo "peer setup failed; running without it" >&2
fi
exec python3 bench/city.py "$(swift build -c release --show-bin-path)/dispatch" "$@"
