#!/usr/bin/env bash
# The call centre's load on PostgreSQL (issue 27): slot offers over a published 14-day horizon of
# 150 technicians and 2,000 orders a day (p95 <= 1 s, p99 <= 2 s), and 50 agents booking at once
# for 5 minutes (0 double bookings, 0 promises broken, every 409 with alternatives). Starts the
# private test PostgreSQL (scripts/test-postgres) and a scratch database on it; prints a table.
#   bench/booking.sh [--days N] [--orders N] [--technicians N] [--agents N] [--seconds N] [--offers N]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
scripts/install-deps --postgres
conninfo="$(scripts/test-postgres start)"
psql "$conninfo" -qc "DROP DATABASE IF EXISTS bench_booking" -c "CREATE DATABASE bench_booking" >/dev/null
python3 bench/booking.py "$DISPATCH" --database "${conninfo/dbname=fielddispatch_test/dbname=bench_booking}" "$@"
