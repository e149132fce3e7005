#!/usr/bin/env bash
# Issue 5 acceptance: `pkcs11-tool -I -L -T -M -O` and a python3-pykcs11 script show the
# same slots, tokens, mechanisms and objects. Usage: core_tool_vs_pykcs11.sh <build-dir>
# Starts mock-nethsm on 127.0.0.1, provisions it over REST (as an administrator would
# with curl), makes keys of every kind and a certificate, then compares both views.
set -euo pipefail
build=$(cd "${1:?usage: $0 <build-dir>}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
module="$build/libnethsm_pkcs11.so"
mock="$build/mock-nethsm"
[ -f "$mock" ] || mock="$build/mock-nethsm/mock-nethsm"
work=$(mktemp -d)
mock_pid=""
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$mock" --port 0 > "$work/mock.out" 2> "$work/mock.err" &
mock_pid=$!
for _ in $(seq 50); do [ -s "$work/mock.out" ] && break; sleep 0.1; done
line=$(head -1 "$work/mock.out")
url=$(echo "$line" | awk '{print $2}')/api/v1
fingerprint=${line##*sha256=}

rest() {  # method path [json] — as the administrator
  curl -sf -k -u admin:adminPassphrase -X "$1" "$url$2" -H 'Content-Type: application/json' \
    ${3:+-d "$3"} > /dev/null
}
curl -sf -k -X POST "$url/provision" -H 'Content-Type: application/json' \
  -d '{"unlockPassphrase":"unlockPassphrase","adminPassphrase":"adminPassphrase","systemTime":"2024-01-01T00:00:00Z"}'
rest PUT /users/operator '{"realName":"Operator","role":"Operator","passphrase":"opPassphrase"}'
rest POST /keys/generate '{"mechanisms":["RSA_Signature_PKCS1","RSA_Decryption_PKCS1"],"type":"RSA","length":2048,"id":"rsa"}'
rest POST /keys/generate '{"mechanisms":["ECDSA_Signature"],"type":"EC_P256","id":"p256"}'
rest POST /keys/generate '{"mechanisms":["EdDSA_Signature"],"type":"Curve25519","id":"ed"}'
rest POST /keys/generate '{"mechanisms":["AES_Encryption_CBC","AES_Decryption_CBC"],"type":"Generic","length":256,"id":"aes"}'
rest POST /keys/generate '{"mechanisms":["ECDSA_Signature"],"type":"EC_P384","id":"0---A1B2"}'
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/k.pem" \
  -out "$work/c.pem" -subj /CN=inventory -days 1 2> /dev/null
curl -sf -k -u admin:adminPassphrase -X PUT "$url/keys/rsa/cert" \
  -H 'Content-Type: application/octet-stream' --data-binary @"$work/c.pem"

cat > "$work/p11nethsm.conf" <<CONF
slots:
  - label: Inventory
    operator: {username: operator, password: opPassphrase}
    administrator: {username: admin, password: adminPassphrase}
    instances:
      - url: "$url"
        sha256_fingerprints: ["$fingerprint"]
CONF
export P11NETHSM_CONFIG_FILE="$work/p11nethsm.conf"

pkcs11-tool --module "$module" -I -L -T -M -O > "$work/tool.txt" 2>&1
/usr/bin/python3 "$here/core_pykcs11_inventory.py" --parse-tool "$work/tool.txt" | sort > "$work/a"
/usr/bin/python3 "$here/core_pykcs11_inventory.py" --module "$module" | sort > "$work/b"
if ! diff -u "$work/a" "$work/b"; then
  echo "FAIL: pkcs11-tool (-) and PyKCS11 (+) differ"; exit 1
fi
echo "OK: $(grep -c '^mech' "$work/a") mechanisms, $(grep -c '^object' "$work/a") objects agree"
