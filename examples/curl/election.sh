#!/usr/bin/env bash
# A leader election with curl: two candidates, an observer streaming the leaders, a
# proclaim while leading (and one refused while not), and a hand-over by resigning.
#
#   paddock serve &                 # in another terminal
#   examples/curl/election.sh       # or: PADDOCK=http://127.0.0.1:7180 examples/curl/election.sh
#
# It stops at the first answer it did not expect, so it doubles as a smoke test.
set -euo pipefail

PADDOCK=${PADDOCK:-http://127.0.0.1:7180}
ELECTION=${ELECTION:-demo-$$-$RANDOM}
stream=$(mktemp)
scratch=$(mktemp)
trap 'rm -f "$stream" "$scratch"; [ -n "${observer:-}" ] && kill "$observer" 2>/dev/null || true' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# field NAME JSON: the value of a top-level string or number member (enough for these answers).
field() { printf '%s' "$2" | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }
post() { curl -sS -X POST "$PADDOCK$1" -H 'Content-Type: application/json' -d "$2"; }
# wait_for TEXT: waits (at most 10 s) until the observer's stream holds TEXT.
wait_for() {
    for _ in $(seq 1 100); do
        grep -q "$1" "$stream" && return 0
        sleep 0.1
    done
    fail "the observer never saw $1"
}

echo "== An observer streams the leaders of $ELECTION (Server-Sent Events)"
curl -sS -N "$PADDOCK/v1/elections/$ELECTION/observe" >"$stream" &
observer=$!
wait_for 'event: no-leader'

echo "== Two sessions (10 s TTL; a real candidate keeps its session alive)"
a=$(field id "$(post /v1/sessions '{"ttl":"10s"}')")
b=$(field id "$(post /v1/sessions '{"ttl":"10s"}')")

echo
echo "== a campaigns and leads; b campaigns without waiting and stands behind"
answer=$(post "/v1/elections/$ELECTION/campaign" "{\"session\":\"$a\",\"value\":\"host-a:8080\"}")
echo "$answer"
[ "$(field leader "$answer")" = true ] || fail "a does not lead"
a_key=$(field key "$answer")
a_token=$(field token "$answer")
answer=$(post "/v1/elections/$ELECTION/campaign" "{\"session\":\"$b\",\"value\":\"host-b:8080\"}")
echo "$answer"
[ "$(field leader "$answer")" = false ] || fail "b should not lead yet"
b_key=$(field key "$answer")

echo
echo "== The leader and its value"
curl -sS "$PADDOCK/v1/elections/$ELECTION"
echo

echo
echo "== a proclaims a new value (fenced by its token $a_token); b cannot, it does not lead"
post "/v1/elections/$ELECTION/proclaim" "{\"session\":\"$a\",\"key\":\"$a_key\",\"value\":\"host-a:9090\"}"
echo
status=$(curl -sS -o "$scratch" -w '%{http_code}' -X POST "$PADDOCK/v1/elections/$ELECTION/proclaim" \
    -H 'Content-Type: application/json' -d "{\"session\":\"$b\",\"key\":\"$b_key\",\"value\":\"host-b:9090\"}")
cat "$scratch"
echo
[ "$status" = 409 ] || fail "expected 409 FenceMismatch, got $status"

echo
echo "== a resigns: b leads, with a larger token"
post "/v1/elections/$ELECTION/resign" "{\"session\":\"$a\",\"key\":\"$a_key\"}"
echo
answer=$(curl -sS "$PADDOCK/v1/elections/$ELECTION")
echo "$answer"
case $answer in *"\"key\":\"$b_key\""*) ;; *) fail "b does not lead" ;; esac

echo
echo "== b's session closes: nobody leads"
curl -sS -X DELETE "$PADDOCK/v1/sessions/$b" >/dev/null
curl -sS -X DELETE "$PADDOCK/v1/sessions/$a" >/dev/null
wait_for 'host-b:8080'
for _ in $(seq 1 100); do
    [ "$(grep -c 'event: no-leader' "$stream")" -ge 2 ] && break
    sleep 0.1
done
[ "$(grep -c 'event: no-leader' "$stream")" -ge 2 ] || fail "the observer never saw the end of b's leadership"
kill "$observer"
observer=
echo "-- what the observer saw:"
cat "$stream"
echo "ok"
