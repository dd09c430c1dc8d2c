#!/usr/bin/env bash
# Simulated days (dispatch simulate) on generated days planned the evening before: --small days of
# 300 orders / 40 technicians and --large days of 2,000 / 150, with the default event rates.
# Prints, per size: events by kind, violations (target 0), reaction latency p50/p99 per event
# kind, the on-time rate and rebookings by cause.
#   bench/simulate.sh [--small 30] [--large 5] [--backend sqlite|postgresql]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
small=30
large=5
backend=sqlite
while [[ $# -gt 0 ]]; do
  case "$1" in
    --small) small="$2"; shift 2 ;;
    --large) large="$2"; shift 2 ;;
    --backend) backend="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d /tmp/fielddispatch-simulate.XXXXXX)"
status=0
for size in "small:300:40:$small" "large:2000:150:$large"; do
  IFS=: read -r name orders technicians runs <<<"$size"
  [[ "$runs" -gt 0 ]] || continue
  if [[ "$backend" == postgresql ]]; then
    scripts/install-deps --postgres >&2
    base="$(scripts/test-postgres start)"
    psql "$base" -X -qc "DROP SCHEMA IF EXISTS simulate_$name CASCADE; CREATE SCHEMA simulate_$name" >/dev/null 2>&1
    database="$base options='-c search_path=simulate_$name'"
  else
    database="sqlite:$work/$name.sqlite"
  fi
  "$DISPATCH" generate --date 2026-11-23 --orders "$orders" --technicians "$technicians" --seed 1 > "$work/$name.json"
  "$DISPATCH" db migrate --database "$database" >/dev/null
  "$DISPATCH" import "$work/$name.json" --database "$database" >/dev/null
  "$DISPATCH" plan --date 2026-11-23 --commit --seconds 20 --format table --now 2026-11-22T20:00:00+08:00 --database "$database" >/dev/null
  start=$(date +%s)
  "$DISPATCH" simulate --date 2026-11-23 --runs "$runs" --seed 1 --format json --database "$database" > "$work/$name-report.json" || status=1
  python3 - "$name" "$orders" "$technicians" "$runs" "$(( $(date +%s) - start ))" "$work/$name-report.json" <<'PY'
import json, re, sys
name, orders, technicians, runs, seconds, path = sys.argv[1:]
report = json.load(open(path))
kpis = report["kpis"]
print(f"\n## {name}: {orders} orders / {technicians} technicians, {runs} simulated days ({seconds} s)\n")
print("| events by kind | count |\n|---|---|")
for kind, count in sorted(report["events"].items()):
    print(f"| {kind} | {count} |")
print(f"\nviolations: {len(report['violations'])} (target 0)")
for violation in report["violations"][:10]:
    print(f"  run {violation['run']} {violation['rule']} {violation['order']}: {violation['detail'][:160]}")
print(f"on time: {kpis['on_time']} of {kpis['arrivals']} arrivals ({kpis['on_time_rate'] * 100:.1f}%), {kpis['completed']} completed\n")
print("| reaction latency | p50 ms | p99 ms |\n|---|---|---|")
for kind, values in sorted(kpis["latency"].items()):
    print(f"| {kind} | {values['p50_ms']} | {values['p99_ms']} |")
print("\n| rebookings by cause | count |\n|---|---|")
causes = {}
for cause, count in kpis["rebookings"].items():
    # "delayed by 17 minutes" and "delayed by 23 minutes" are one cause.
    key = re.sub(r"\d+", "N", cause)
    causes[key] = causes.get(key, 0) + count
for cause, count in sorted(causes.items(), key=lambda item: -item[1])[:10]:
    print(f"| {cause} | {count} |")
PY
done
exit $status
