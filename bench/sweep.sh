#!/usr/bin/env bash
# Validity stress sweep: plans many generated days (45 to 300 orders, 25 seeds, pair shares 0.2
# and 0.6, a fixed iteration budget so every failure reproduces) and re-checks each plan with
# `dispatch check`. Prints each failing day (kept under /tmp) and a closing count.
#   bench/sweep.sh [SEEDS]     default 25
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product dispatch >&2
dispatch="$(swift build -c release --show-bin-path)/dispatch"
seeds="${1:-25}"
work=$(mktemp -d)
fails=0; total=0
for size in 45x7 120x14 150x25 300x40; do
  orders=${size%x*}; technicians=${size#*x}
  for seed in $(seq 1 "$seeds"); do
    for pairs in 0.2 0.6; do
      day="$work/day-$size-$seed-$pairs.json"
      "$dispatch" generate --date 2026-11-23 --orders "$orders" --technicians "$technicians" --seed "$seed" --pairs "$pairs" > "$day"
      "$dispatch" plan --scenario "$day" --iterations 800 --seed "$seed" --no-progress > "$work/plan.json" 2>/dev/null
      total=$((total + 1))
      if out=$("$dispatch" check --scenario "$day" --plan "$work/plan.json" 2>&1); then
        rm -f "$day"
      else
        fails=$((fails + 1))
        echo "FAIL $size seed $seed pairs $pairs (day kept: $day): $(echo "$out" | head -2 | tr '\n' ' ')"
      fi
    done
  done
done
echo "sweep: $total plans, $fails failing"
[[ $fails -eq 0 ]]
