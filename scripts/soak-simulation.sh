#!/usr/bin/env bash
# Runs the deterministic simulation over many seeds and prints its summary line.
#
#   scripts/soak-simulation.sh [SEEDS] [FIRST_SEED]     (defaults: 10000 seeds from 1)
#
# Seeds are split over one process per core; each prints its own summary line, then the
# totals are printed. Any violation prints its seed and the command that replays it.
# Set PADDOCK_SOAK_CONFIGURATION=release for speed on a machine that has the cores for it.
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=${1:-10000}
first=${2:-1}
configuration=${PADDOCK_SOAK_CONFIGURATION:-debug}
jobs=${PADDOCK_SOAK_JOBS:-$(nproc 2>/dev/null || echo 2)}

swift build -c "$configuration" --product paddock >/dev/null
binary=".build/$configuration/paddock"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
per=$(( (seeds + jobs - 1) / jobs ))
pids=()
for (( j = 0; j < jobs; j++ )); do
    start=$(( first + j * per ))
    count=$(( per ))
    if (( start + count > first + seeds )); then count=$(( first + seeds - start )); fi
    (( count > 0 )) || continue
    "$binary" simulate --seeds "$count" --first "$start" >"$out/$j.txt" 2>&1 &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
cat "$out"/*.txt
awk '/^seeds=/ {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] in sum || kv[2] ~ /^[0-9.]+$/) sum[kv[1]] += kv[2] }
     }
     END {
        printf "total: seeds=%d events=%d operations=%d seeds/s=%.1f events/s=%.1f violations=%d unchecked-histories=%d\n",
            sum["seeds"], sum["events"], sum["operations"], sum["seeds/s"], sum["events/s"], sum["violations"], sum["unchecked-histories"]
        printf "total rare: older-term-uncommitted=%d snapshot-to-divergent=%d split-vote=%d read-during-partition=%d membership-change-leader-crash=%d\n",
            sum["older-term-uncommitted"], sum["snapshot-to-divergent"], sum["split-vote"], sum["read-during-partition"], sum["membership-change-leader-crash"]
     }' "$out"/*.txt
exit $status
