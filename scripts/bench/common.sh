# Helpers shared by the benchmark scripts; sourced, not run. The caller sets `duration`
# (wrk's -d) and may set `name_width` (the scenario column, default 34).

# free_port: prints a loopback port free at the time of the call.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL: polls until URL answers 2xx, for at most 30 s.
wait_http() {
    for _ in $(seq 1 300); do
        curl -sf -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "bench: $1 did not come up" >&2
    exit 1
}

# run_wrk NAME CONNECTIONS SCRIPT URL: one wrk scenario with a Lua script from
# scripts/bench; prints a row: name, connections, requests/s, p50 and p99 in ms, errors.
run_wrk() {
    local name=$1 conns=$2 script=$3 url=$4 threads=2 out
    [ "$conns" -lt 2 ] && threads=1
    out=$(wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "scripts/bench/$script" "$url")
    local rps non2xx p50 p99 errors
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    non2xx=$(sed -n 's/.*non2xx=\([0-9]*\).*/\1/p' <<<"$out")
    p50=$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$out")
    p99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$out")
    errors=$(awk '/Socket errors|Non-2xx/ {print}' <<<"$out" | tr '\n' ' ')
    printf "%-${name_width:-34}s %6s %12s %9s %9s  %s%s\n" "$name" "$conns" "$rps" "$p50" "$p99" \
        "${non2xx:+non2xx=$non2xx }" "$errors"
}
