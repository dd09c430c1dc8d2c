#!/usr/bin/env bash
# Synchronised-visit benchmark, Bredström–Rönnqvist (see bench/sync.py): builds `dispatch` in
# release mode, sets up the peer (OR-Tools) in /tmp/peers-venv if PyPI is reachable, prints the table.
#   bench/sync.sh [--seconds 10] [--instances all|Bred_01S,...] [--no-peer]
set -euo pipefail
source "$(dirname "$0")/setup.sh"
exec "$PEER_PYTHON" bench/sync.py "$DISPATCH" "$@"
