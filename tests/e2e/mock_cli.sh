#!/bin/sh
# The mock-nethsm command line: listening lines and fingerprints, --instances,
# --firmware, --fault, --state across restarts, the /_mock control interface, and a
# clean exit on SIGTERM. Usage: mock_cli.sh <path to mock-nethsm>
set -eu
MOCK=${1:?path to mock-nethsm}
W=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
start() { # args...: starts the mock, sets PID and PORT (instance 0)
  : > "$W/out"
  "$MOCK" "$@" > "$W/out" &
  PID=$!
  for _ in $(seq 50); do [ -s "$W/out" ] && break; sleep 0.1; done
  PORT=$(sed -n '1s/^listening https:\/\/127.0.0.1:\([0-9]*\) sha256=[0-9A-F:]*$/\1/p' "$W/out")
  [ -n "$PORT" ] || fail "no listening line: $(cat "$W/out")"
}
stop() { # SIGTERM must end the process promptly with status 0
  kill -TERM "$PID"
  wait "$PID" || fail "exit status $? after SIGTERM"
  PID=
}
code() { curl -sk -m 10 -o "$W/body" -w '%{http_code}' "$@"; }
B() { echo "https://127.0.0.1:$PORT$1"; }
PROV='{"unlockPassphrase":"unlockunlock","adminPassphrase":"adminadmin1","systemTime":"2024-01-01T00:00:00Z"}'

start --port 0 --instances 2 --firmware 5.0 --fault status:/random:1:503
[ "$(wc -l < "$W/out")" = 2 ] || fail "one listening line per instance"
FP=$(sed -n '1s/.*sha256=//p' "$W/out")
# A request with "Connection: close" makes the server end the session, so s_client exits.
SERVED=$(printf 'GET /api/v1/info HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
  openssl s_client -connect "127.0.0.1:$PORT" 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//')
[ "$FP" = "$SERVED" ] || fail "fingerprint $FP != served $SERVED"
[ "$(code -X POST -H 'Content-Type: application/json' -d "$PROV" "$(B /api/v1/provision)")" = 204 ] || fail provision
[ "$(code -u admin:adminadmin1 "$(B /api/v1/system/info)")" = 200 ] || fail "system info"
grep -q '"softwareVersion":"5.0"' "$W/body" || fail "firmware 5.0"
[ "$(code -u admin:adminadmin1 -X PUT -H 'Content-Type: application/json' \
  -d '{"realName":"o","role":"Operator","passphrase":"operator-pass"}' "$(B /api/v1/users/operator)")" = 201 ] || fail user
R='-u operator:operator-pass -X POST -H Content-Type:application/json -d {"length":8}'
# shellcheck disable=SC2086
[ "$(code $R "$(B /api/v1/random)")" = 503 ] || fail "fault status"
# shellcheck disable=SC2086
[ "$(code $R "$(B /api/v1/random)")" = 200 ] || fail "fault count"
[ "$(code -X POST "$(B '/_mock/fault?kind=reset&path=/random&count=1')")" = 200 ] || fail "control fault"
# shellcheck disable=SC2086
[ "$(code $R "$(B /api/v1/random)")" = 000 ] || fail "reset fault"
[ "$(code "$(B '/_mock/counters?instance=0')")" = 200 ] || fail counters
grep -q '"POST /random":3' "$W/body" || fail "endpoint counter: $(cat "$W/body")"
# A POST without body and without Content-Length (curl -X POST) is answered at once.
[ "$(code -u admin:adminadmin1 -X POST "$(B /api/v1/lock)")" = 204 ] || fail "lock without body"
stop

start --port 0 --state "$W/state.json"
[ "$(code -X POST -H 'Content-Type: application/json' -d "$PROV" "$(B /api/v1/provision)")" = 204 ] || fail provision
[ "$(code -u admin:adminadmin1 -X POST -H 'Content-Type: application/json' \
  -d '{"type":"Curve25519","mechanisms":["EdDSA_Signature"],"id":"kept"}' "$(B /api/v1/keys/generate)")" = 201 ] || fail generate
stop
[ -s "$W/state.json" ] || fail "state file"
start --port 0 --state "$W/state.json"
[ "$(code -u admin:adminadmin1 "$(B /api/v1/keys/kept)")" = 200 ] || fail "key after restart"
stop
echo "mock_cli: all checks passed"
