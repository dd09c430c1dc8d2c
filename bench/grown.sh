#!/usr/bin/env bash
# Days that grew after they were published: the nightly job searches what an import placed by
# insertion alone (issue 29). Release build, SQLite. Prints a table.
#   bench/grown.sh [--orders N] [--technicians N] [--grown N] [--seeds 1,2,3] [--seconds S]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
python3 bench/grown.py "$DISPATCH" "$@"
