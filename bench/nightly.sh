#!/usr/bin/env bash
# The nightly job at scale on PostgreSQL: 5,000 orders, 300 technicians, 3 days of backlog, one
# process; every published day re-checked; a rerun after 2% new orders and one absence.
#   bench/nightly.sh [--orders N] [--technicians N] [--days N] [--seconds S]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
scripts/install-deps --postgres
conninfo="$(scripts/test-postgres start)"
psql "$conninfo" -qc "DROP DATABASE IF EXISTS bench_nightly" -c "CREATE DATABASE bench_nightly" >/dev/null
python3 bench/nightly.py "$DISPATCH" --database "${conninfo/dbname=fielddispatch_test/dbname=bench_nightly}" "$@"
