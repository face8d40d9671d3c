#!/usr/bin/env bash
# A lock with a fencing token, with curl: two sessions contend, the second waits and is
# woken by the release, and a write fenced by the first holder's old token is refused.
#
#   paddock serve &                 # in another terminal
#   examples/curl/lock.sh           # or: PADDOCK=http://127.0.0.1:7180 examples/curl/lock.sh
#
# It stops at the first answer it did not expect, so it doubles as a smoke test.
set -euo pipefail

PADDOCK=${PADDOCK:-http://127.0.0.1:7180}
LOCK=${LOCK:-demo-$$-$RANDOM}
NODE=/lock-demo-$$-$RANDOM
waited=$(mktemp)
trap 'rm -f "$waited"; [ -n "${waiter:-}" ] && kill "$waiter" 2>/dev/null || true' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# field NAME JSON: the value of a top-level string or number member (enough for these answers).
field() { printf '%s' "$2" | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }
post() { curl -sS -X POST "$PADDOCK$1" -H 'Content-Type: application/json' -d "$2"; }

echo "== Two sessions (10 s TTL; a real client keeps them alive with POST /v1/sessions/ID/keepalive)"
a=$(field id "$(post /v1/sessions '{"ttl":"10s"}')")
b=$(field id "$(post /v1/sessions '{"ttl":"10s"}')")
echo "a=$a b=$b"

echo
echo "== a acquires the lock $LOCK: it is free, so a holds it with a fencing token"
answer=$(post "/v1/locks/$LOCK" "{\"session\":\"$a\"}")
echo "$answer"
[ "$(field held "$answer")" = true ] || fail "a does not hold the lock"
a_key=$(field key "$answer")
a_token=$(field token "$answer")

echo
echo "== b asks without waiting: it is queued behind a"
answer=$(post "/v1/locks/$LOCK" "{\"session\":\"$b\"}")
echo "$answer"
[ "$(field held "$answer")" = false ] || fail "b should be queued"

echo
echo "== b waits (up to 10 s) in the background; a does its work fenced by its token"
curl -sS -X POST "$PADDOCK/v1/locks/$LOCK" -d "session=$b&wait=10s" >"$waited" &
waiter=$!
post /v1/nodes$NODE '{"data":"0"}' >/dev/null
post /v1/txn "{\"ops\":[{\"op\":\"fence\",\"lock\":\"$LOCK\",\"token\":$a_token},{\"op\":\"set\",\"path\":\"$NODE\",\"data\":\"written by a\"}]}"
echo

echo
echo "== The lock and its queue"
curl -sS "$PADDOCK/v1/locks/$LOCK"
echo

echo
echo "== a releases: b is woken and holds the lock with a larger token"
curl -sS -X DELETE "$PADDOCK/v1/locks/$LOCK/$a_key"
echo
wait "$waiter"
waiter=
answer=$(cat "$waited")
echo "$answer"
[ "$(field held "$answer")" = true ] || fail "b was not granted the lock"
b_key=$(field key "$answer")
b_token=$(field token "$answer")
[ "$b_token" -gt "$a_token" ] || fail "the token did not grow: $a_token then $b_token"

echo
echo "== a, paused and unaware, writes with its old token $a_token: refused (409 FenceMismatch)"
status=$(curl -sS -o "$waited" -w '%{http_code}' -X POST "$PADDOCK/v1/txn" -H 'Content-Type: application/json' \
    -d "{\"ops\":[{\"op\":\"fence\",\"lock\":\"$LOCK\",\"token\":$a_token},{\"op\":\"set\",\"path\":\"$NODE\",\"data\":\"stale\"}]}")
cat "$waited"
echo
[ "$status" = 409 ] || fail "expected 409, got $status"

echo
echo "== b releases; closing a session would release its locks as well"
curl -sS -X DELETE "$PADDOCK/v1/locks/$LOCK/$b_key"
echo
curl -sS -X DELETE "$PADDOCK/v1/sessions/$a" >/dev/null
curl -sS -X DELETE "$PADDOCK/v1/sessions/$b" >/dev/null
curl -sS -X DELETE "$PADDOCK/v1/nodes$NODE" >/dev/null
echo "ok"
