#!/usr/bin/env bash
# Real roads (see bench/roads.py): the fiction gap of straight lines on a real road network,
# matrix build times, planning speed with a matrix and memory. Needs the private PostgreSQL with
# PostGIS and pgRouting (installed and started here) and the OSM extract in scenarios/osm/.
#   bench/roads.sh [--sizes 300x40,2000x150] [--iterations 3000] [--osm scenarios/osm/helsinki.osm.pbf]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
scripts/install-deps --postgres >&2
base="$(scripts/test-postgres start)"
exec python3 bench/roads.py "$DISPATCH" "$base" "$@"
