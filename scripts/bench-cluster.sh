#!/usr/bin/env bash
# Benchmarks a release build of Paddock as a 3-member loopback cluster and as a 1-member
# cluster, with wrk at 64 connections, and measures leader fail-over.
#
#   scripts/bench-cluster.sh [DURATION] [KILLS]   # DURATION per scenario (default 10s),
#                                                 # KILLS leader kills (default 10)
#
# Needs: wrk (apt-get install wrk), python3. Members run on free loopback ports with data
# in a temporary directory and are stopped (by PID) on exit. Writes set 64-byte values on
# 1,000 pre-created nodes; reads get them (linearizable unless marked serializable).
# Fail-over: kill -9 of the leader while a client writes through another member; the
# time from the kill to the first write acknowledged again, median of KILLS.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-10s}
kills=${2:-10}
keys=1000
work=$(mktemp -d /tmp/paddock-cluster-bench.XXXXXX)
declare -A pid_of
cleanup() {
    for pid in "${pid_of[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pid_of[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

name_width=44
# shellcheck source=bench/common.sh
source scripts/bench/common.sh

echo "== building release"
swift build -c release --product paddock 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)/paddock

# start_cluster N PREFIX: starts members PREFIX1..PREFIXN; sets http_of[name], peers.
declare -A http_of
start_member() {
    local name=$1 peers=$2 http=$3
    "$bin" serve --id "$name" --peers "$peers" --listen "127.0.0.1:$http" --data-dir "$work/$name" \
        >"$work/$name.log" 2>&1 &
    pid_of[$name]=$!
    http_of[$name]=$http
}
start_cluster() {
    local count=$1 prefix=$2 peers="" names=()
    for i in $(seq 1 "$count"); do
        names+=("$prefix$i")
        peers+="${peers:+,}$prefix$i=127.0.0.1:$(free_port)"
    done
    cluster_peers=$peers
    for name in "${names[@]}"; do start_member "$name" "$peers" "$(free_port)"; done
    for name in "${names[@]}"; do wait_http "http://127.0.0.1:${http_of[$name]}/readyz"; done
}
leader_of() {
    curl -sf "http://127.0.0.1:$1/v1/cluster" | python3 -c 'import json,sys; print(json.load(sys.stdin)["leader"])'
}
precreate() {
    local port=$1
    curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/v1/nodes/bench" -H 'Content-Type: application/json' -d '{}'
    for start in $(seq 0 100 $((keys - 1))); do
        ops=$(seq -s, "$start" $((start + 99)) | sed 's#\([0-9]\{1,\}\)#{"op":"create","path":"/bench/k\1","data":"x"}#g')
        curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/v1/txn" -H 'Content-Type: application/json' -d "{\"ops\":[$ops]}"
    done
}

export BENCH_KEYS=$keys BENCH_PREFIX=/v1/nodes/bench/k
printf '\n%-44s %6s %12s %9s %9s\n' scenario conns "requests/s" "p50 ms" "p99 ms"

start_cluster 3 c
three_peers=$cluster_peers
leader=$(leader_of "${http_of[c1]}")
follower=c1; [ "$leader" = c1 ] && follower=c2
precreate "${http_of[$leader]}"
run_wrk "3 members: write (set) at the leader" 64 put.lua "http://127.0.0.1:${http_of[$leader]}"
run_wrk "3 members: write (set) at a follower" 64 put.lua "http://127.0.0.1:${http_of[$follower]}"
run_wrk "3 members: read (linearizable) at the leader" 64 get.lua "http://127.0.0.1:${http_of[$leader]}"
run_wrk "3 members: read (linearizable) at a follower" 64 get.lua "http://127.0.0.1:${http_of[$follower]}"
BENCH_QUERY='?consistency=serializable' \
    run_wrk "3 members: read (serializable) at a follower" 64 get.lua "http://127.0.0.1:${http_of[$follower]}"

start_cluster 1 s
precreate "${http_of[s1]}"
run_wrk "1 member: write (set)" 64 put.lua "http://127.0.0.1:${http_of[s1]}"
run_wrk "1 member: read (linearizable)" 64 get.lua "http://127.0.0.1:${http_of[s1]}"
kill "${pid_of[s1]}"; wait "${pid_of[s1]}" 2>/dev/null || true; unset 'pid_of[s1]'

echo
echo "== fail-over: kill -9 of the leader, $kills times (time until a write is acknowledged again)"
results=()
for round in $(seq 1 "$kills"); do
    leader=$(leader_of "${http_of[c1]}" 2>/dev/null || leader_of "${http_of[c2]}")
    survivor=c1; [ "$leader" = c1 ] && survivor=c2
    ms=$(python3 - "${http_of[$survivor]}" "${pid_of[$leader]}" "$round" <<'PY'
import os, signal, sys, time, urllib.request
port, pid, round_ = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def write(i):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/nodes/bench/k{i % 1000}", data=b"f", method="PUT",
                                 headers={"Content-Type": "application/octet-stream"})
    try:
        with urllib.request.urlopen(req, timeout=0.5) as r:
            return r.status == 200
    except Exception:
        return False
for i in range(20):
    write(i)
os.kill(pid, signal.SIGKILL)
start = time.monotonic()
i = 0
while time.monotonic() - start < 30:
    i += 1
    if write(i):
        print(round((time.monotonic() - start) * 1000))
        break
else:
    print(-1)
PY
)
    results+=("$ms")
    echo "round $round: killed $leader, writes acknowledged again after ${ms} ms"
    wait "${pid_of[$leader]}" 2>/dev/null || true
    start_member "$leader" "$three_peers" "${http_of[$leader]}"
    wait_http "http://127.0.0.1:${http_of[$leader]}/readyz"
done
printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "fail-over median %s ms (min %s, max %s, %d kills)\n", m, a[1], a[NR], NR}'
