# Shared set-up of the benchmark scripts (sourced, not run): installs missing Debian packages,
# builds `dispatch` in release mode and, unless the arguments ask for no peers, creates
# /tmp/peers-venv with PyVRP, VROOM and OR-Tools from PyPI. Sets DISPATCH (the binary) and
# PEER_PYTHON (the venv's python when there is one, else python3).
# DISPATCH_BIN=PATH runs that binary instead of building one (a copy kept for a long run, so
# the tree can be rebuilt meanwhile, or an older build to compare with).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps
if [[ -z "${DISPATCH_BIN:-}" ]]; then swift build -c release --product dispatch >&2; fi
if [[ ! -x /tmp/peers-venv/bin/python ]] && [[ " $* " != *" --no-peer "* ]] && [[ " $* " != *" --no-peers "* ]]; then
  { python3 -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install -q ortools pyvrp pyvroom; } >&2 \
    || echo "peer setup failed; run with --no-peer(s)" >&2
fi
DISPATCH="${DISPATCH_BIN:-$(swift build -c release --show-bin-path)/dispatch}"
PEER_PYTHON=python3
if [[ -x /tmp/peers-venv/bin/python ]]; then PEER_PYTHON=/tmp/peers-venv/bin/python; fi
