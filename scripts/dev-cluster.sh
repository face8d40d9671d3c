#!/usr/bin/env bash
# Starts a local 3-member Paddock cluster on loopback and keeps it running until Ctrl-C.
#
#   scripts/dev-cluster.sh [--release] [-- EXTRA SERVE FLAGS...]
#
# Builds paddock (debug unless --release), then starts n1, n2, n3:
#   HTTP 127.0.0.1:7180-7182, peers 127.0.0.1:7190-7192,
#   data in ${PADDOCK_DEV_DIR:-./.paddock-dev}/n1..n3, logs beside them (n1.log...).
# Prints each member's endpoint and PID, waits (at most READY_TIMEOUT_S, default 60 s)
# until every /readyz answers 200, then waits. Ctrl-C or SIGTERM stops the three
# members by their PIDs. Data is kept between runs; delete the directory to start afresh.
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=debug
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --release) configuration=release ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "dev-cluster.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
    esac
    shift
done

dir=${PADDOCK_DEV_DIR:-./.paddock-dev}
ready_timeout=${READY_TIMEOUT_S:-60}
names=(n1 n2 n3)
http_ports=(7180 7181 7182)
peer_ports=(7190 7191 7192)
peers="n1=127.0.0.1:7190,n2=127.0.0.1:7191,n3=127.0.0.1:7192"

echo "building paddock ($configuration)..."
swift build -c "$configuration" --product paddock >/dev/null
binary="$(swift build -c "$configuration" --show-bin-path)/paddock"
mkdir -p "$dir"

pids=()
stop() {
    trap - INT TERM EXIT
    if [ ${#pids[@]} -gt 0 ]; then
        echo "stopping members (PIDs ${pids[*]})..."
        for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
        for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    fi
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

for i in 0 1 2; do
    name=${names[$i]}
    "$binary" serve --id "$name" --peers "$peers" \
        --listen "127.0.0.1:${http_ports[$i]}" --data-dir "$dir/$name" ${extra[@]+"${extra[@]}"} \
        >"$dir/$name.log" 2>&1 &
    pids+=($!)
    printf '%s  http://127.0.0.1:%s  peer 127.0.0.1:%s  pid %s  log %s\n' \
        "$name" "${http_ports[$i]}" "${peer_ports[$i]}" "$!" "$dir/$name.log"
done

ready=()
deadline=$((SECONDS + ready_timeout))
while [ ${#ready[@]} -lt 3 ]; do
    ready=()
    for i in 0 1 2; do
        if ! kill -0 "${pids[$i]}" 2>/dev/null; then
            echo "${names[$i]} exited; the end of its log:" >&2
            tail -n 20 "$dir/${names[$i]}.log" >&2
            exit 1
        fi
        status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${http_ports[$i]}/readyz" || true)
        [ "$status" = 200 ] && ready+=("${names[$i]}")
    done
    if [ ${#ready[@]} -lt 3 ]; then
        if [ $SECONDS -ge $deadline ]; then
            echo "not every member was ready within ${ready_timeout} s (ready: ${ready[*]:-none}); see the logs in $dir" >&2
            exit 1
        fi
        sleep 0.2
    fi
done

echo "cluster ready. Try:"
echo "  curl -s localhost:7180/v1/cluster"
echo "  curl -s -X POST localhost:7181/v1/nodes/hello -d '{\"data\":\"world\"}'"
echo "Ctrl-C stops the three members."
wait
