#!/usr/bin/env bash
# Benchmarks a release build of Paddock (one node) with wrk and, when it is installed,
# etcd's v2 HTTP API on the same machine in the same run, and prints one table.
#
#   scripts/bench.sh [DURATION]        # DURATION per scenario, default 10s
#
# Needs: wrk (apt-get install wrk); optionally etcd-server for the side-by-side rows.
# Starts its servers on free loopback ports with data in a temporary directory, and stops
# them (by PID) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-10s}
keys=1000
work=$(mktemp -d /tmp/paddock-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench/common.sh
source scripts/bench/common.sh

echo "== building release"
swift build -c release --product paddock 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)/paddock

echo "== fsync rate of this machine (SQLite WAL, synchronous=FULL, one-row transactions)"
"$bin" bench-fsync --dir "$work/fsync" --transactions 2000

port=$(free_port)
"$bin" serve --listen "127.0.0.1:$port" --data-dir "$work/paddock" >"$work/paddock.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/readyz"
# Pre-create the keys, 100 per transaction.
curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/v1/nodes/bench" -H 'Content-Type: application/json' -d '{}'
for start in $(seq 0 100 $((keys - 1))); do
    ops=$(seq -s, "$start" $((start + 99)) | sed 's#\([0-9]\{1,\}\)#{"op":"create","path":"/bench/k\1","data":"x"}#g')
    curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/v1/txn" -H 'Content-Type: application/json' -d "{\"ops\":[$ops]}"
done

printf '\n%-34s %6s %12s %9s %9s\n' scenario conns "requests/s" "p50 ms" "p99 ms"
export BENCH_KEYS=$keys
BENCH_PREFIX=/v1/nodes/bench/k run_wrk "paddock write (set), sequential" 1 put.lua "http://127.0.0.1:$port"
BENCH_PREFIX=/v1/nodes/bench/k run_wrk "paddock write (set)" 64 put.lua "http://127.0.0.1:$port"
BENCH_PREFIX=/v1/nodes/bench/k run_wrk "paddock read (linearizable)" 64 get.lua "http://127.0.0.1:$port"
BENCH_PREFIX=/v1/nodes/bench/k BENCH_QUERY='?consistency=serializable' \
    run_wrk "paddock read (serializable)" 64 get.lua "http://127.0.0.1:$port"

if command -v etcd >/dev/null; then
    cport=$(free_port)
    pport=$(free_port)
    etcd --name bench --data-dir "$work/etcd" --enable-v2 \
        --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
        --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
        --initial-cluster "bench=http://127.0.0.1:$pport" >"$work/etcd.log" 2>&1 &
    pids+=($!)
    wait_http "http://127.0.0.1:$cport/health"
    for k in $(seq 0 $((keys - 1))); do
        curl -sf -o /dev/null -X PUT "http://127.0.0.1:$cport/v2/keys/bench/k$k" -d value=x
    done
    BENCH_PREFIX=/v2/keys/bench/k BENCH_FORM=1 run_wrk "etcd v2 write (set), sequential" 1 put.lua "http://127.0.0.1:$cport"
    BENCH_PREFIX=/v2/keys/bench/k BENCH_FORM=1 run_wrk "etcd v2 write (set)" 64 put.lua "http://127.0.0.1:$cport"
    BENCH_PREFIX=/v2/keys/bench/k BENCH_QUERY='?quorum=true' \
        run_wrk "etcd v2 read (quorum=true)" 64 get.lua "http://127.0.0.1:$cport"
    BENCH_PREFIX=/v2/keys/bench/k run_wrk "etcd v2 read (local)" 64 get.lua "http://127.0.0.1:$cport"
else
    echo "(etcd not installed: no side-by-side rows; apt-get install etcd-server)"
fi
