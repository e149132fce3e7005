#!/usr/bin/env bash
# p11nethsm-check against mock-nethsm (issue 13 §2): a healthy slot read through the
# search path ($HOME/.config/nitrokey), then each failure it names, with its exact
# problem line and exit status: a wrong TLS pin, an unreachable instance (alone: slot
# unusable; beside a working one: still usable), a wrong password, a locked appliance,
# an unknown option, a configuration the module refuses. Also: no secret in the output,
# and a password asked on a terminal is not echoed.
# Usage: check_command.sh <build-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init "$@"
CHECK="$BUILD/p11nethsm-check"
fail=0

bad() { echo "FAIL: $*"; fail=1; }

# run_check <name> <expected-status> [args...]: output in $WORK/<name>.out
run_check() {
  local name=$1 want=$2 status=0
  shift 2
  "$CHECK" "$@" >"$WORK/$name.out" 2>&1 || status=$?
  sed 's/^/    | /' "$WORK/$name.out"
  [ "$status" = "$want" ] || bad "$name: exit status $status, expected $want"
  for secret in "$E2E_ADMIN_PASS" "$E2E_OPERATOR_PASS" WrongPassphrase9; do
    if grep -qF "$secret" "$WORK/$name.out"; then bad "$name: a password is in the output"; fi
  done
}
expect_line() {  # <name> <exact line>
  grep -qxF -- "$2" "$WORK/$1.out" || bad "$1: missing line: $2"
}
expect_problems() {  # <name> <count>
  local n
  n=$(grep -c '^problem: ' "$WORK/$1.out" || true)
  [ "$n" = "$2" ] || bad "$1: $n problem lines, expected $2"
}

e2e_step "mock-nethsm, provisioned, one key"
e2e_provisioned_mock
e2e_curl "admin:$E2E_ADMIN_PASS" POST /keys/generate \
  '{"id":"k1","type":"Curve25519","mechanisms":["EdDSA_Signature"]}' >/dev/null
closed_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
unreachable="https://127.0.0.1:$closed_port/api/v1"

# slot_yaml <label> <operator-password> <url> <fingerprint> [extra slot lines...]
slot_yaml() {
  local label=$1 op=$2 url=$3 fp=$4
  shift 4
  echo "  - label: $label"
  echo "    operator: {username: operator, password: \"$op\"}"
  echo "    administrator: {username: admin, password: \"env:CHECK_ADMIN_PASS\"}"
  echo "    timeout_seconds: 15"
  for line in "$@"; do echo "    $line"; done
  echo "    instances:"
  echo "      - url: \"$url\""
  echo "        sha256_fingerprints: [\"$fp\"]"
}
export CHECK_ADMIN_PASS=$E2E_ADMIN_PASS

e2e_step "healthy slot, found through the search path (\$HOME/.config/nitrokey)"
home="$WORK/home"
user_conf="$home/.config/nitrokey/p11nethsm.conf"
mkdir -p "$(dirname "$user_conf")"
{ echo "log_level: Warn"; echo "slots:"; slot_yaml Healthy "$E2E_OPERATOR_PASS" "$MOCK_URL" "$MOCK_FP"; } >"$user_conf"
(unset P11NETHSM_CONFIG_FILE; HOME=$home run_check healthy 0 --no-prompt)
expect_line healthy "  read:      $user_conf"
expect_line healthy "  option log_level: set in $user_conf:1"
expect_line healthy "  slot 0 'Healthy': set in $user_conf:3, 1 instance(s)"
expect_line healthy "    administrator 'admin', password from env:CHECK_ADMIN_PASS"
expect_line healthy "      TLS certificate sha256: $MOCK_FP"
expect_line healthy "      TLS pin: matches sha256_fingerprints"
expect_line healthy "      state: Operational"
expect_line healthy "      product: Nitrokey GmbH NetHSM"
expect_line healthy "      login operator 'operator': ok"
expect_line healthy "      login administrator 'admin': ok"
expect_line healthy "      firmware: 4.0 (build mock-4.0)"
expect_line healthy "      keys: 1"
expect_line healthy "result: 1 slot(s) usable, 0 problem(s)"
expect_problems healthy 0
if [ ! -e /etc/nitrokey/p11nethsm.conf ]; then
  expect_line healthy "  not found: /etc/nitrokey/p11nethsm.conf"
fi

if [ ! -e /etc/nitrokey/p11nethsm.conf ] && [ ! -e /usr/local/etc/nitrokey/p11nethsm.conf ]; then
  e2e_step "no configuration file at all: no slot (the module loads, but offers nothing)"
  mkdir -p "$WORK/empty-home"
  (unset P11NETHSM_CONFIG_FILE; HOME=$WORK/empty-home run_check no_file 1 --no-prompt)
  expect_line no_file "problem: configuration: no configuration file found: the module offers no slot; fix: create /etc/nitrokey/p11nethsm.conf (every option is explained in /usr/share/doc/p11nethsm/p11nethsm.example.conf) or set P11NETHSM_CONFIG_FILE"
  expect_line no_file "result: no slot is configured"
fi

export P11NETHSM_CONFIG_FILE="$WORK/p11nethsm.conf"
conf=$P11NETHSM_CONFIG_FILE
subject() { echo "slot 0 '$1' instance ${3:-0} ($2)"; }

e2e_step "wrong TLS pin"
wrong_fp=$(printf '00:%.0s' $(seq 31))00
{ echo "slots:"; slot_yaml WrongPin "$E2E_OPERATOR_PASS" "$MOCK_URL" "$wrong_fp"; } >"$conf"
run_check wrong_pin 1 --no-prompt
expect_line wrong_pin "problem: $(subject WrongPin "$MOCK_URL"): the certificate's fingerprint $MOCK_FP matches no sha256_fingerprints entry; fix: if this certificate is your NetHSM's, set sha256_fingerprints: [\"$MOCK_FP\"] for this instance in $conf"
expect_line wrong_pin "result: unusable: slot 0 'WrongPin'"
expect_problems wrong_pin 1

e2e_step "no pin: the CA check decides (untrusted self-signed certificate, then ca_file)"
{ echo "slots:"; slot_yaml NoPin "$E2E_OPERATOR_PASS" "$MOCK_URL" "$MOCK_FP" | grep -v sha256_fingerprints; } >"$conf"
run_check untrusted 1 --no-prompt
expect_line untrusted "problem: $(subject NoPin "$MOCK_URL"): the certificate is not trusted: SSL peer certificate or SSH remote key was not OK (SSL certificate problem: self-signed certificate); fix: set ca_file to the CA that issued it, or if this certificate is your NetHSM's, set sha256_fingerprints: [\"$MOCK_FP\"] for this instance in $conf"
expect_problems untrusted 1
openssl s_client -connect "$(sed 's|https://||; s|/api/v1||' <<<"$MOCK_URL")" </dev/null 2>/dev/null | openssl x509 >"$WORK/mock-ca.pem"
{ echo "slots:"; slot_yaml WithCa "$E2E_OPERATOR_PASS" "${MOCK_URL/127.0.0.1/localhost}" "$MOCK_FP" |
    sed "s|sha256_fingerprints: .*|ca_file: \"$WORK/mock-ca.pem\"|"; } >"$conf"
run_check with_ca 0 --no-prompt
expect_line with_ca "      TLS CA check: ok"
expect_problems with_ca 0

e2e_step "unreachable instance, alone"
{ echo "slots:"; slot_yaml Gone "$E2E_OPERATOR_PASS" "$unreachable" "$MOCK_FP"; } >"$conf"
run_check unreachable 1 --no-prompt
expect_line unreachable "problem: $(subject Gone "$unreachable"): unreachable: Couldn't connect to server; fix: check the url, that the NetHSM is running and that this host can reach its port (firewall, proxy)"
expect_line unreachable "result: unusable: slot 0 'Gone'"
expect_problems unreachable 1

e2e_step "unreachable instance beside a working one: the slot stays usable"
{ echo "slots:"; slot_yaml Degraded "$E2E_OPERATOR_PASS" "$MOCK_URL" "$MOCK_FP"
  echo "      - url: \"$unreachable\""; } >"$conf"
run_check degraded 0 --no-prompt
expect_line degraded "problem: $(subject Degraded "$unreachable" 1): unreachable: Couldn't connect to server; fix: check the url, that the NetHSM is running and that this host can reach its port (firewall, proxy)"
expect_line degraded "  usable instances: 1 of 2"
expect_line degraded "result: 1 slot(s) usable, 1 problem(s)"

e2e_step "wrong operator password"
{ echo "slots:"; slot_yaml WrongPass WrongPassphrase9 "$MOCK_URL" "$MOCK_FP"; } >"$conf"
run_check wrong_password 1 --no-prompt
expect_line wrong_password "problem: $(subject WrongPass "$MOCK_URL"): operator 'operator' cannot log in: wrong user name or password (HTTP 401); fix: correct slots[0].operator.password in $conf (or the user name)"
expect_line wrong_password "      login administrator 'admin': ok"
expect_line wrong_password "result: unusable: slot 0 'WrongPass'"
expect_problems wrong_password 1

e2e_step "unknown option (a misspelt key): reported with file:line, the slot still works"
{ echo "slots:"; slot_yaml Typo "$E2E_OPERATOR_PASS" "$MOCK_URL" "$MOCK_FP" "tiemout_seconds: 15"; } >"$conf"
unthrottled() {  # the failed login above throttles 'operator' for 1 s
  curl -sk -o /dev/null -w '%{http_code}' -u "operator:$E2E_OPERATOR_PASS" "$MOCK_URL/users/operator" | grep 200 >/dev/null
}
e2e_wait_until 6 unthrottled || bad "'operator' still throttled 6 s after the failed login"
run_check unknown_option 0 --no-prompt
expect_line unknown_option "problem: $conf:6: slots[0].tiemout_seconds: unknown key 'tiemout_seconds' ignored (did you mean 'timeout_seconds'?); fix: edit line 6 of $conf"
expect_line unknown_option "  warning: $conf:6:5: slots[0].tiemout_seconds: unknown key 'tiemout_seconds' ignored (did you mean 'timeout_seconds'?)"
expect_line unknown_option "result: 1 slot(s) usable, 1 problem(s)"

e2e_step "a configuration the module refuses (env: names an unset variable)"
{ echo "slots:"; slot_yaml Refused "$E2E_OPERATOR_PASS" "$MOCK_URL" "$MOCK_FP"; } >"$conf"
(unset CHECK_ADMIN_PASS; run_check refused 1 --no-prompt)
expect_line refused "problem: configuration: $conf:4:38: slots[0].administrator.password: environment variable 'CHECK_ADMIN_PASS' is not set; fix: correct it: until then C_Initialize fails with CKR_FUNCTION_FAILED"
expect_line refused "result: the module cannot load this configuration"

e2e_step "password asked on the terminal, without echo"
{ echo "slots:"; echo "  - label: Asked"; echo "    operator: {username: operator}"
  echo "    instances: [{url: \"$MOCK_URL\", sha256_fingerprints: [\"$MOCK_FP\"]}]"; } >"$conf"
# On a pseudo-terminal: the password is typed once the prompt shows (as a person
# would), so anything echoed would appear in the captured output.
status=0
CHECK=$CHECK TYPED=$E2E_OPERATOR_PASS /usr/bin/python3 - >"$WORK/asked.out" 2>&1 <<'PY' || status=$?
import os, pty, signal, sys
signal.alarm(60)  # a command that waits for input forever fails the test, not hangs it
pid, fd = pty.fork()
if pid == 0:
    os.execv(os.environ["CHECK"], [os.environ["CHECK"]])
seen = b""
def read_some():
    global seen
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        return False
    seen += chunk
    return bool(chunk)
while b"(empty: skip): " not in seen and read_some():
    pass
os.write(fd, os.environ["TYPED"].encode() + b"\n")
while read_some():
    pass
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
sed 's/^/    | /' "$WORK/asked.out"
[ "$status" = 0 ] || bad "asked: exit status $status"
grep -q "password of operator 'operator' for slot 'Asked'" "$WORK/asked.out" || bad "asked: no prompt"
grep -q "login operator 'operator': ok" "$WORK/asked.out" || bad "asked: typed password not used"
if grep -qF "$E2E_OPERATOR_PASS" "$WORK/asked.out"; then bad "asked: the typed password was echoed"; fi
run_check not_asked 0 --no-prompt
expect_line not_asked "      login operator 'operator': not checked (no password; the application gives it to C_Login)"

e2e_step "locked appliance"
{ echo "slots:"; slot_yaml Locked "$E2E_OPERATOR_PASS" "$MOCK_URL" "$MOCK_FP"; } >"$conf"
e2e_curl "admin:$E2E_ADMIN_PASS" POST /lock >/dev/null
run_check locked 1 --no-prompt
expect_line locked "problem: $(subject Locked "$MOCK_URL"): the appliance is Locked; fix: unlock it with its unlock passphrase (nitropy nethsm unlock, or POST /api/v1/unlock)"
expect_line locked "      state: Locked"
expect_line locked "result: unusable: slot 0 'Locked'"
expect_problems locked 1

[ "$fail" = 0 ] && echo "== p11nethsm-check: every case as expected"
exit "$fail"
