#!/usr/bin/env bash
# The nightly job at scale on PostgreSQL: 5,000 orders, 300 technicians in 8 territories, 3 days
# of unassigned work, planned with 1 and with 2 worker processes (each in a fresh database); every
# published day re-checked; a rerun after 2% new orders and one absence.
#   bench/nightly.sh [--orders N] [--technicians N] [--territories N] [--days N] [--seconds S] [--workers 1,2]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
scripts/install-deps --postgres
conninfo="$(scripts/test-postgres start)"
for workers in 1 2 3 4; do
  psql "$conninfo" -qc "DROP DATABASE IF EXISTS bench_nightly_$workers" -c "CREATE DATABASE bench_nightly_$workers" >/dev/null
done
python3 bench/nightly.py "$DISPATCH" --database "${conninfo/dbname=fielddispatch_test/dbname=bench_nightly_\{workers\}}" "$@"
