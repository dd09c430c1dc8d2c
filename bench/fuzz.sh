#!/usr/bin/env bash
# Seeded mutation fuzzing, longer than CI's: the scenario loader (mutated scenario files, read whole
# and streamed, which must agree) and the status report body through the real server on both
# backends (PostgreSQL from scripts/test-postgres).
# Each seed is reproducible: FUZZ_SEED=S FUZZ_ITERATIONS=N swift test --filter LoaderFuzzTests.
#   bench/fuzz.sh [ITERATIONS] [SEED...]      (default 40000 inputs, seeds 1 2 3)
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-40000}"
shift || true
seeds=("$@")
[[ ${#seeds[@]} -gt 0 ]] || seeds=(1 2 3)
scripts/install-deps --postgres >&2
DISPATCH_TEST_POSTGRES="$(scripts/test-postgres start)"
export DISPATCH_TEST_POSTGRES
swift build --build-tests >&2
printf '%-8s %-12s %-8s %-10s %s\n' seed inputs result seconds suites
for seed in "${seeds[@]}"; do
  start=$(date +%s.%N)
  if FUZZ_SEED="$seed" FUZZ_ITERATIONS="$iterations" swift test --skip-build --disable-xctest \
       --filter 'LoaderFuzzTests|BodyFuzzTests|ScenarioStreamTests' > "/tmp/fuzz-$seed.log" 2>&1; then result=pass; else result=FAIL; fi
  printf '%-8s %-12s %-8s %-10.1f %s\n' "$seed" "$iterations" "$result" "$(echo "$(date +%s.%N) - $start" | bc)" \
    "loader, streamed vs whole reading, status body (log /tmp/fuzz-$seed.log)"
done
