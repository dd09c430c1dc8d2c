#!/usr/bin/env bash
# Load benchmark of the technicians' API on PostgreSQL with wrk: 300 technicians polling their
# agenda at 500 requests/s for 5 minutes, half with If-None-Match. Starts the private test
# PostgreSQL (scripts/test-postgres) and a scratch database on it; prints a table.
#   bench/api_load.sh [--seconds N] [--rate N] [--technicians N] [--connections N]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || sudo apt-get install -y -qq wrk; }
scripts/install-deps --postgres
conninfo="$(scripts/test-postgres start)"
psql "$conninfo" -qc "DROP DATABASE IF EXISTS bench_api" -c "CREATE DATABASE bench_api" >/dev/null
python3 bench/api_load.py "$DISPATCH" --database "${conninfo/dbname=fielddispatch_test/dbname=bench_api}" "$@"
