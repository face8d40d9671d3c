#!/usr/bin/env bash
# A walk through Paddock's HTTP API with curl.
#
#   paddock serve &                    # in another terminal
#   examples/curl/quickstart.sh        # or: PADDOCK=http://127.0.0.1:7180 examples/curl/quickstart.sh
#
# Each step prints the request and the answer, and the script stops at the first status
# it did not expect, so it doubles as a smoke test of a running server.
set -euo pipefail

PADDOCK=${PADDOCK:-http://127.0.0.1:7180}
# A fresh prefix per run, so the walk can be repeated against the same server.
ROOT=${ROOT:-/quickstart-$$-$RANDOM}
body=$(mktemp)
trap 'rm -f "$body"' EXIT

# call EXPECTED_STATUS METHOD URL_PATH [curl arguments...]
# Runs one request, prints it and its answer, fails on any other status.
call() {
    local want=$1 method=$2 path=$3
    shift 3
    local status
    status=$(curl -sS -o "$body" -w '%{http_code}' -X "$method" "$@" "$PADDOCK$path")
    printf '\n$ curl -X %s %s%s %s\n' "$method" "$PADDOCK" "$path" "$*"
    printf '%s %s\n' "$status" "$(cat "$body")"
    if [ "$status" != "$want" ]; then
        echo "FAIL: expected status $want, got $status" >&2
        exit 1
    fi
}

# field NAME: a top-level string or number field of the last answer (no jq needed).
field() {
    sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" "$body" | head -n 1
}

echo "== Create a node with UTF-8 data (JSON body)"
call 201 POST "/v1/nodes$ROOT" -H 'Content-Type: application/json' -d '{"data":"hello"}'

echo "== Read it back: data and stat; the Paddock-Zxid header says which state answered"
call 200 GET "/v1/nodes$ROOT"
version=$(field version)

echo "== Set it only if nobody changed it since we read it (version $version)"
call 200 PUT "/v1/nodes$ROOT?version=$version" -d data=world

echo "== The same conditional set again is now a conflict: BadVersion"
call 409 PUT "/v1/nodes$ROOT?version=$version" -d data=stale

echo "== Raw bytes in and out"
call 200 PUT "/v1/nodes$ROOT" -H 'Content-Type: application/octet-stream' --data-binary 'raw bytes'
call 200 GET "/v1/nodes$ROOT" -H 'Accept: application/octet-stream'

echo "== Children: two plain nodes and two sequential ones"
call 201 POST "/v1/nodes$ROOT/a" -H 'Content-Type: application/json' -d '{"data":"1"}'
call 201 POST "/v1/nodes$ROOT/b" -H 'Content-Type: application/json' -d '{"data":"2"}'
call 201 POST "/v1/nodes$ROOT/job-" -H 'Content-Type: application/json' -d '{"kind":"sequential"}'
call 201 POST "/v1/nodes$ROOT/job-" -H 'Content-Type: application/json' -d '{"kind":"sequential"}'
call 200 GET "/v1/nodes$ROOT?children"

echo "== A transaction: all ops apply, or none"
call 200 POST /v1/txn -H 'Content-Type: application/json' -d "{\"ops\":[
  {\"op\":\"check\",\"path\":\"$ROOT/a\",\"version\":0},
  {\"op\":\"set\",\"path\":\"$ROOT/a\",\"data\":\"one\"},
  {\"op\":\"create\",\"path\":\"$ROOT/c\",\"data\":\"3\"}]}"

echo "== A failing transaction names the failing op (opIndex 1) and changes nothing"
call 409 POST /v1/txn -H 'Content-Type: application/json' -d "{\"ops\":[
  {\"op\":\"delete\",\"path\":\"$ROOT/b\"},
  {\"op\":\"create\",\"path\":\"$ROOT/a\"}]}"
call 200 GET "/v1/nodes$ROOT/b"

echo "== A session, and an ephemeral node that lives as long as it does"
call 201 POST /v1/sessions -H 'Content-Type: application/json' -d '{"ttl":"10s"}'
session=$(field id)
call 201 POST "/v1/nodes$ROOT/worker" -H 'Content-Type: application/json' \
    -d "{\"kind\":\"ephemeral\",\"session\":\"$session\",\"data\":\"up\"}"
call 200 POST "/v1/sessions/$session/keepalive"
call 200 GET "/v1/nodes$ROOT/worker"

echo "== Closing the session deletes its ephemeral node"
call 200 DELETE "/v1/sessions/$session"
call 404 GET "/v1/nodes$ROOT/worker"

echo "== Bad input gets a problem+json answer and changes nothing"
call 400 GET "/v1/nodes$ROOT/./a" --path-as-is
call 400 POST "/v1/nodes$ROOT/d" -H 'Content-Type: application/json' -d '{"data":'

echo "== Delete: a node with children needs recursive"
call 409 DELETE "/v1/nodes$ROOT"
call 200 DELETE "/v1/nodes$ROOT?recursive"
call 404 GET "/v1/nodes$ROOT"

echo
echo "quickstart: every step answered as expected"
