#!/usr/bin/env bash
# Several actors at once on one database, then the invariants read from it (bench/concurrency.py):
# 40 API clients, two dispatchers, two notice senders SIGKILLed now and then, a planner and the
# nightly job, delays, an absence and bookings, for --seconds on each backend. Prints the table of
# violations per run (target: all zeros) and what happened.
#   bench/concurrency.sh [--seconds 300] [--runs 2]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
scripts/install-deps --postgres >&2
seconds=300
runs=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
base="$(scripts/test-postgres start)"
status=0
for run in $(seq 1 "$runs"); do
  sqlite="/tmp/fielddispatch-concurrency-$run.sqlite"
  rm -f "$sqlite" "$sqlite-wal" "$sqlite-shm"
  schema="concurrency_$run"
  psql "$base" -X -qc "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null 2>&1
  for database in "sqlite:$sqlite" "$base options='-c search_path=$schema'"; do
    echo "== run $run, ${database%% *}" >&2
    python3 bench/concurrency.py "$DISPATCH" --database "$database" --seconds "$seconds" --seed "$run" || status=1
  done
done
exit $status
