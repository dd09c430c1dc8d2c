#!/usr/bin/env bash
# Every route of the OpenAPI document under a long schemathesis run (CI runs a short one), on
# SQLite and on PostgreSQL (a private server from scripts/test-postgres): no 5xx.
#   bench/api-fuzz.sh [EXAMPLES]     (default 300 cases a route and phase)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-300}"
scripts/install-deps --postgres >&2
swift build --product dispatch >&2
conninfo="$(scripts/test-postgres start)"
psql "$conninfo" -qc "DROP DATABASE IF EXISTS api_fuzz" -c "CREATE DATABASE api_fuzz" >&2
printf '%-12s %-10s %s\n' backend result summary
for database in "" "${conninfo/dbname=fielddispatch_test/dbname=api_fuzz}"; do
  name=${database:+postgresql}
  name=${name:-sqlite}
  if scripts/fuzz-api --examples "$examples" ${database:+--database "$database"} > "/tmp/api-fuzz-$name.log" 2>&1; then
    result=pass
  else
    result=FAIL
  fi
  printf '%-12s %-10s %s\n' "$name" "$result" "$(grep -E 'generated|passed|failed' "/tmp/api-fuzz-$name.log" | tail -n 1 | xargs) (log /tmp/api-fuzz-$name.log)"
done
