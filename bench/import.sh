#!/usr/bin/env bash
# Import at scale: a generated day of N orders (default 1,000,000; 2,000 technicians), validated
# and imported into a fresh SQLite file and a fresh PostgreSQL schema (scripts/test-postgres),
# then imported again (nothing changes). Prints wall time and peak memory (max RSS) of each
# command: the file is read as a stream, so memory must not grow with the file (target for 10^6
# orders: under 1 GB). The same day written on one line (as machine exports are) is validated and
# imported too: reading must stay linear, within 1.2 times the pretty-printed file's time.
#   bench/import.sh [ORDERS]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
scripts/install-deps --postgres >&2
orders="${1:-1000000}"
file="/tmp/fielddispatch-import-$orders.json"
if [[ ! -s "$file" ]]; then
  echo "generating $orders orders into $file" >&2
  "$DISPATCH" generate --date 2026-11-23 --orders "$orders" --technicians 2000 --seed 1 > "$file"
fi
# The same JSON on one line: only the line breaks between tokens go (no string holds one).
oneline="/tmp/fielddispatch-import-$orders.oneline.json"
[[ -s "$oneline" ]] || tr -d '\n' < "$file" > "$oneline"
sqlite="/tmp/fielddispatch-import-$orders.sqlite"
sqlite1="/tmp/fielddispatch-import-$orders.oneline.sqlite"
rm -f "$sqlite1" "$sqlite1-wal" "$sqlite1-shm"
rm -f "$sqlite" "$sqlite-wal" "$sqlite-shm"
base="$(scripts/test-postgres start)"
psql "$base" -X -qc "DROP SCHEMA IF EXISTS import_bench CASCADE; CREATE SCHEMA import_bench" >/dev/null
postgres="$base options='-c search_path=import_bench'"
"$DISPATCH" db migrate --database "sqlite:$sqlite" >/dev/null
"$DISPATCH" db migrate --database "sqlite:$sqlite1" >/dev/null
"$DISPATCH" db migrate --database "$postgres" >/dev/null

printf 'file: %s (%s MB, %s orders)\n' "$file" "$(( $(stat -c %s "$file") / 1048576 ))" "$orders"
printf '%-34s %10s %12s  %s\n' command seconds "max RSS MB" result
measure() {
  local label="$1"; shift
  local status seconds kilobytes
  /usr/bin/time -o /tmp/fielddispatch-import.time -f '%e %M' "$@" > /tmp/fielddispatch-import.out 2>/tmp/fielddispatch-import.err \
    && status=0 || status=$?
  read -r seconds kilobytes < <(tail -1 /tmp/fielddispatch-import.time)
  printf '%-34s %10s %12s  %s\n' "$label" "$seconds" "$(( kilobytes / 1024 ))" \
    "$( [[ $status -eq 0 ]] && tail -1 /tmp/fielddispatch-import.out | cut -c1-90 || echo "exit $status: $(head -1 /tmp/fielddispatch-import.err)")"
}
measure "validate" "$DISPATCH" validate "$file"
measure "import (sqlite)" "$DISPATCH" import "$file" --database "sqlite:$sqlite"
measure "import again (sqlite)" "$DISPATCH" import "$file" --database "sqlite:$sqlite"
measure "import (postgresql)" "$DISPATCH" import "$file" --database "$postgres"
measure "import again (postgresql)" "$DISPATCH" import "$file" --database "$postgres"
measure "validate (one line)" "$DISPATCH" validate "$oneline"
measure "import (sqlite, one line)" "$DISPATCH" import "$oneline" --database "sqlite:$sqlite1"
