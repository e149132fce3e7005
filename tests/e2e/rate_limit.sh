#!/usr/bin/env bash
# Throttling is not a verdict (issue 9 §2). After a failed login the appliance answers
# 429 for 1 s to every request with that user name from this host (BEHAVIOUR.md §2).
# 1. `pkcs11-tool --login --pin <wrong>` and at once the right PIN, three times: each
#    wrong PIN is CKR_PIN_INCORRECT, each right one lists the objects.
# 2. 8 threads of one process (tests/e2e/helpers/sign_load.cpp), logged in with the
#    same user name, sign while pkcs11-tool types 5 wrong PINs: no signature fails,
#    and the appliance's /metrics shows that it did answer 429 meanwhile.
# Usage: rate_limit.sh <build-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init "$@"
metrics_pass=MetricsPassphrase1
loader="$BUILD/tests/p11nethsm_sign_load"
[ -x "$loader" ] || e2e_fail "$loader not built"

e2e_provisioned_mock
e2e_curl "admin:$E2E_ADMIN_PASS" PUT /users/metrics \
  "{\"realName\":\"Metrics\",\"role\":\"Metrics\",\"passphrase\":\"$metrics_pass\"}" >/dev/null
e2e_curl "admin:$E2E_ADMIN_PASS" POST /keys/generate \
  '{"id":"loadkey","type":"EC_P256","mechanisms":["ECDSA_Signature"]}' >/dev/null
export P11NETHSM_CONFIG_FILE="$WORK/p11nethsm.conf"
e2e_write_config "$P11NETHSM_CONFIG_FILE" RateHSM "" "$E2E_ADMIN_PASS"
p11() { pkcs11-tool --module "$MODULE" "$@"; }
answers429() {
  e2e_curl "metrics:$metrics_pass" GET /metrics |
    /usr/bin/python3 -c 'import json,sys; print(int(json.load(sys.stdin).get("http status 429", "0")))'
}
wrong_pin() {  # <pin>: must be refused as CKR_PIN_INCORRECT
  local out
  if out=$(p11 --login --pin "$1" --list-objects 2>&1); then e2e_fail "wrong PIN $1 accepted"; fi
  grep -q CKR_PIN_INCORRECT <<<"$out" || e2e_fail "wrong PIN $1 did not give CKR_PIN_INCORRECT: $out"
}

echo "== wrong PIN, then at once the right PIN (3 times)"
for i in 1 2 3; do
  wrong_pin "NotThePin$i"
  p11 --login --pin "$E2E_OPERATOR_PASS" --list-objects >"$WORK/objects.txt" 2>&1 ||
    e2e_fail "right PIN after a wrong one failed (run $i): $(cat "$WORK/objects.txt")"
  grep -qi "ID: *$(hex_of loadkey)" "$WORK/objects.txt" || e2e_fail "run $i: key not listed"
  echo "run $i: wrong PIN refused, right PIN logged in"
done

echo "== 8 signing threads while another process types 5 wrong PINs"
before=$(answers429)
P11NETHSM_E2E_PIN="$E2E_OPERATOR_PASS" "$loader" "$MODULE" 8 loadkey "$WORK/ready" "$WORK/stop" \
  >"$WORK/load.out" 2>"$WORK/load.err" &
load_pid=$!
E2E_EXTRA_PIDS="$load_pid"
for _ in $(seq 1 600); do
  [ -f "$WORK/ready" ] && break
  kill -0 "$load_pid" 2>/dev/null || e2e_fail "signing helper ended: $(cat "$WORK/load.err")"
  sleep 0.1
done
[ -f "$WORK/ready" ] || e2e_fail "signing helper never got ready"
start=$SECONDS
for i in 1 2 3 4 5; do wrong_pin "Wrong-$i"; done
echo "5 wrong PINs typed in $((SECONDS - start)) s"
touch "$WORK/stop"
wait "$load_pid" || e2e_fail "signing helper failed: $(cat "$WORK/load.err")"
cat "$WORK/load.out"
read -r signed failed <<<"$(sed -E 's/signatures=([0-9]+) failures=([0-9]+).*/\1 \2/' "$WORK/load.out")"
throttled=$(( $(answers429) - before ))
echo "signatures $signed, failed $failed, answers 429 during the run: $throttled"
[ "$failed" -eq 0 ] || e2e_fail "$failed signatures failed while wrong PINs were typed"
[ "$signed" -gt 0 ] || e2e_fail "no signature was made"
[ "$throttled" -gt 0 ] || e2e_fail "the appliance never throttled: the test proved nothing"
echo "PASS rate_limit"
