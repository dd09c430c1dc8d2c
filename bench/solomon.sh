#!/usr/bin/env bash
# Solomon VRPTW benchmark (see bench/solomon.py): builds `dispatch` in release mode, sets up the
# peers (PyVRP, VROOM, OR-Tools) in /tmp/peers-venv if PyPI is reachable, prints the table.
#   bench/solomon.sh [--seconds 1] [--instances all|R101,C201] [--objective distance|hierarchical] [--no-peers]
set -euo pipefail
source "$(dirname "$0")/setup.sh"
exec "$PEER_PYTHON" bench/solomon.py "$DISPATCH" "$@"
