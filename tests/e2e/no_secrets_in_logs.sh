#!/usr/bin/env bash
# Secrets never reach a log (issue 4 §2): at the most verbose level, through a login,
# signatures, a failed login and an SO login, no sink (log file, stderr, syslog over
# UDP) contains a canary PIN or password, an Authorization header, the signed data or
# the signatures' inputs in any common encoding.
# Usage: no_secrets_in_logs.sh <build-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
E2E_ADMIN_PASS=CanaryAdmin7Q4Z  # canaries: lib.sh keeps them
E2E_OPERATOR_PASS=CanaryOper8X2W
. "$here/lib.sh"
e2e_init "$@"
wrong_pin=CanaryWrong5K9V

e2e_provisioned_mock
e2e_curl "admin:$E2E_ADMIN_PASS" POST /keys/generate \
  '{"id":"canarykey","type":"EC_P256","mechanisms":["ECDSA_Signature"]}' >/dev/null

# A UDP syslog collector on loopback.
python3 - "$WORK/udp.port" "$WORK/udp.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
with open(sys.argv[2], "ab", buffering=0) as out:
    s.settimeout(120)
    while True:
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            break
        out.write(data + b"\n")
PY
E2E_EXTRA_PIDS="$!"
e2e_wait_until 5 test -s "$WORK/udp.port" || e2e_fail "the syslog collector did not start"
udp_port=$(cat "$WORK/udp.port")

export P11NETHSM_CONFIG_FILE="$WORK/p11nethsm.conf"
e2e_write_config "$P11NETHSM_CONFIG_FILE" CanaryHSM "" "$E2E_ADMIN_PASS"
sed -i '/^log_level\|^log_file/d' "$P11NETHSM_CONFIG_FILE"
{
  echo "log_level: Trace"
  echo "log_file: $WORK/module.log"
  echo "syslog_udp:"
  echo "  to_addr: 127.0.0.1:$udp_port"
  echo "  from_addr: 127.0.0.1:0"
  cat "$P11NETHSM_CONFIG_FILE"
} >"$WORK/conf.tmp" && mv "$WORK/conf.tmp" "$P11NETHSM_CONFIG_FILE"
export P11NETHSM_LOG_LEVEL=trace

p11() { pkcs11-tool --module "$MODULE" "$@" 2>>"$WORK/stderr.log"; }
head -c 32 /dev/urandom >"$WORK/digest"
p11 --login --pin "$E2E_OPERATOR_PASS" --sign --id "$(hex_of canarykey)" -m ECDSA \
  --input-file "$WORK/digest" --output-file "$WORK/sig" >/dev/null
printf 'plaintext-canary-3J7R' >"$WORK/data"
p11 --login --pin "$E2E_OPERATOR_PASS" --sign --id "$(hex_of canarykey)" -m ECDSA-SHA256 \
  --input-file "$WORK/data" --output-file "$WORK/sig2" >/dev/null
if p11 --login --pin "$wrong_pin" --list-objects >/dev/null; then
  echo "login with a wrong PIN succeeded"; exit 1
fi
p11 --login --login-type so --so-pin "$E2E_ADMIN_PASS" --list-objects >/dev/null || true
# Every record goes to both sinks: wait until the datagrams have caught up with the file.
syslog_caught_up() { [ "$(wc -l <"$WORK/udp.log")" -ge "$(wc -l <"$WORK/module.log")" ]; }
e2e_wait_until 10 syslog_caught_up || echo "note: fewer datagrams than log-file lines (UDP may drop)"

[ -s "$WORK/module.log" ] || { echo "the log file is empty: logging did not run"; exit 1; }
[ -s "$WORK/udp.log" ] || { echo "no syslog datagram arrived: logging did not run"; exit 1; }
lines=$(cat "$WORK/module.log" "$WORK/udp.log" "$WORK/stderr.log" | wc -l)
echo "checking $lines log lines from 3 sinks"

canaries=("$E2E_ADMIN_PASS" "$E2E_OPERATOR_PASS" "$wrong_pin" "plaintext-canary-3J7R" "Authorization" "Basic "
  "$(printf 'operator:%s' "$E2E_OPERATOR_PASS" | base64)" "$(printf 'admin:%s' "$E2E_ADMIN_PASS" | base64)"
  "$(printf 'operator:%s' "$wrong_pin" | base64)"
  "$(xxd -p "$WORK/digest" | tr -d '\n')" "$(base64 -w0 "$WORK/digest")"
  "$(xxd -p "$WORK/digest" | tr -d '\n' | tr a-f A-F)")
found=0
for c in "${canaries[@]}"; do
  if grep -aF -- "$c" "$WORK/module.log" "$WORK/udp.log" "$WORK/stderr.log"; then
    echo "canary found in a log: ${c:0:6}..."; found=1
  fi
done
[ "$found" -eq 0 ] || exit 1
# The sinks saw the work: the key ID (not secret) is logged at trace level.
grep -qaF canarykey "$WORK/module.log" || { echo "trace log does not mention the key: sink not exercised"; exit 1; }
echo "no secret in any sink"
