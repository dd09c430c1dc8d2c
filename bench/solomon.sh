#!/usr/bin/env bash
# Solomon VRPTW benchmark (see bench/solomon.py): builds `dispatch` in release mode, sets up the
# peers (PyVRP, VROOM, OR-Tools) in /tmp/peers-venv if PyPI is reachable, prints the table.
#   bench/solomon.sh [--seconds 1] [--instances all|R101,C201] [--objective distance|hierarchical] [--no-peers]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps
swift build -c release --product dispatch >&2
if [[ ! -x /tmp/peers-venv/bin/python ]] && [[ " $* " != *" --no-peers "* ]]; then
  { python3 -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install -q ortools pyvrp pyvroom; } >&2 || echo "peer setup failed; run with --no-peers" >&2
fi
PY=python3
[[ -x /tmp/peers-venv/bin/python ]] && PY=/tmp/peers-venv/bin/python
exec "$PY" bench/solomon.py "$(swift build -c release --show-bin-path)/dispatch" "$@"
