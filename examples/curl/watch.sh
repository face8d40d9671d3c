#!/usr/bin/env bash
# Watching changes with curl: a Server-Sent Events stream, a resume with Last-Event-ID,
# and a long-poll.
#
#   paddock serve &                 # in another terminal
#   examples/curl/watch.sh          # or: PADDOCK=http://127.0.0.1:7180 examples/curl/watch.sh
#
# It stops at the first answer it did not expect, so it doubles as a smoke test.
set -euo pipefail

PADDOCK=${PADDOCK:-http://127.0.0.1:7180}
ROOT=${ROOT:-/watch-demo-$$-$RANDOM}
stream=$(mktemp)
trap 'rm -f "$stream"; [ -n "${watcher:-}" ] && kill "$watcher" 2>/dev/null || true' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# zxid_of_write METHOD PATH DATA: performs a write and prints its zxid (Paddock-Zxid).
zxid_of_write() {
    curl -sS -o /dev/null -D - -X "$1" "$PADDOCK/v1/nodes$2" -H 'Content-Type: application/json' -d "$3" \
        | tr -d '\r' | sed -n 's/^[Pp]addock-[Zz]xid: //p'
}

echo "== Create $ROOT, then stream its subtree: first its current state, then every change"
zxid_of_write POST "$ROOT" '{"data":"v0"}' >/dev/null
# -N: no buffering, so each event prints as it comes.
curl -sS -N "$PADDOCK/v1/watch$ROOT?recursive&initial" >"$stream" &
watcher=$!

# wait_for TEXT: waits (at most 10 s) until the stream holds TEXT.
wait_for() {
    for _ in $(seq 1 100); do
        grep -q "$1" "$stream" && return 0
        sleep 0.1
    done
    fail "the stream never showed $1"
}

wait_for 'event: synced'
zxid_of_write PUT "$ROOT" '{"data":"v1"}' >/dev/null
zxid_of_write POST "$ROOT/child" '{"data":"c"}' >/dev/null
last=$(zxid_of_write PUT "$ROOT/child" '{"data":"c2"}')
wait_for "id: $last"
kill "$watcher"
watcher=
echo "-- the stream so far:"
cat "$stream"

echo
echo "== A change while nobody watches, then resume after zxid $last with Last-Event-ID"
missed=$(zxid_of_write PUT "$ROOT" '{"data":"while away"}')
curl -sS -N --max-time 2 -H "Last-Event-ID: $last" "$PADDOCK/v1/watch$ROOT?recursive" >"$stream" || true
cat "$stream"
grep -q "id: $missed" "$stream" || fail "the resumed stream lacks zxid $missed"

echo
echo "== Long-poll: the first changes after zxid $last, as JSON"
answer=$(curl -sS "$PADDOCK/v1/watch$ROOT?recursive&since=$last&wait=5s")
echo "$answer"
case $answer in *"\"zxid\":$missed"*) ;; *) fail "the long-poll did not answer zxid $missed" ;; esac

echo
echo "== Long-poll with nothing new: an empty list at the deadline"
curl -sS "$PADDOCK/v1/watch$ROOT?recursive&since=$missed&wait=500ms"
echo

echo
echo "== Bad input is a problem+json answer (a since older than the history kept is 410 Compacted)"
status=$(curl -sS -o "$stream" -w '%{http_code}' "$PADDOCK/v1/watch$ROOT?since=abc")
cat "$stream"
[ "$status" = 400 ] || fail "expected 400, got $status"
echo
echo "ok"
