#!/usr/bin/env bash
# Do two builds of `dispatch` give the same answers? Runs `dispatch bench solomon` and `dispatch
# bench sync` on every public instance (Solomon, Bredström–Rönnqvist, Gehring–Homberger 200) at a fixed iteration count and seed (deterministic) with
# both binaries and compares routes, distances and travel (the timing field left out). For a solver
# change that must not change the answers (say, a travel interface): build the old binary first,
# copy it away, build the new one.
#   bench/identical.sh OLD_BINARY NEW_BINARY [--iterations 3000] [--data ../shared/bench]
set -euo pipefail
old="$1"; new="$2"; shift 2
iterations=3000
data="$(cd "$(dirname "$0")/../.." && pwd)/shared/bench"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --iterations) iterations="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# A build before 2026-12-06 names the unassigned orders `unserved`.
strip() { python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("seconds", None); d.setdefault("unassigned", d.pop("unserved", None)); print(json.dumps(d, sort_keys=True))'; }
# What changed between two answers: the total (distance or travel), vehicles and unassigned, old →
# new, and whether the new one is better by what the runs minimise: unassigned, then the total
# (distance or travel; the vehicles count only under --objective hierarchical, not run here).
compare() {
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
key = "distance" if "distance" in a else "travel"
old = (len(a["unassigned"] or []), a[key])
new = (len(b["unassigned"] or []), b[key])
verdict = "better" if new < old else "worse" if new > old else "equal"
print(f"{key} {a[key]} → {b[key]}, vehicles {a['vehicles']} → {b['vehicles']}, unassigned {old[0]} → {new[0]}: {verdict}")
PY
}
same=0; different=0; better=0; worse=0
# Gehring–Homberger 200 (held out: never tuned on) is read as the Solomon format it is.
for set in solomon:solomon sync:sync solomon:gh200; do
  kind="${set%%:*}"; folder="${set##*:}"
  for file in "$data/$folder"/*.txt; do
    a="$("$old" bench "$kind" "$file" --iterations "$iterations" --seed 1 | strip)"
    b="$("$new" bench "$kind" "$file" --iterations "$iterations" --seed 1 | strip)"
    if [[ "$a" == "$b" ]]; then same=$((same + 1)); else
      different=$((different + 1))
      # What changed: the total (distance or travel), vehicles and unassigned, old → new.
      line="DIFFERENT: $folder $(basename "$file") $(compare "$a" "$b")"
      echo "$line"
      case "$line" in *": better") better=$((better + 1)) ;; *": worse") worse=$((worse + 1)) ;; esac
    fi
  done
done
echo "| instances | identical | different |"
echo "|---|---|---|"
echo "| $((same + different)) (Solomon, Bredström–Rönnqvist, Gehring–Homberger 200; $iterations iterations, seed 1) | $same | $different |"
# A changed answer is better or worse by (unassigned, then distance or travel).
[[ $different -eq 0 ]] || echo "of the $different different: $better better, $worse worse, $((different - better - worse)) equal in (unassigned, total)"
[[ $different -eq 0 ]]
