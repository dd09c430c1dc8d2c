#!/usr/bin/env bash
# Synchronised-visit benchmark, Bredström–Rönnqvist (see bench/sync.py): builds `dispatch` in release
# mode, sets up the
# peer (OR-Tools) in /tmp/peers-venv if PyPI is reachable, prints the table.
#   bench/sync.sh [--seconds 10] [--instances all|Bred_01S,...] [--no-peer]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps
swift build -c release --product dispatch >&2
if [[ ! -x /tmp/peers-venv/bin/python ]] && [[ " $* " != *" --no-peer "* ]]; then
  { python3 -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install -q ortools pyvrp pyvroom; } >&2 || echo "peer setup failed; run with --no-peer" >&2
fi
PY=python3
[[ -x /tmp/peers-venv/bin/python ]] && PY=/tmp/peers-venv/bin/python
exec "$PY" bench/sync.py "$(swift build -c release --show-bin-path)/dispatch" "$@"
