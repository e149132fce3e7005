#!/usr/bin/env bash
# Issue 5 acceptance: `pkcs11-tool -I -L -T -M -O` and a python3-pykcs11 script show the
# same slots, tokens, mechanisms and objects. Usage: core_tool_vs_pykcs11.sh <build-dir>
# Starts mock-nethsm on 127.0.0.1, provisions it over REST (as an administrator would
# with curl), makes keys of every kind and a certificate, then compares both views.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init "$@"

e2e_provisioned_mock >/dev/null
rest() { e2e_curl "admin:$E2E_ADMIN_PASS" "$@" >/dev/null; }  # method path [json]
rest POST /keys/generate '{"mechanisms":["RSA_Signature_PKCS1","RSA_Decryption_PKCS1"],"type":"RSA","length":2048,"id":"rsa"}'
rest POST /keys/generate '{"mechanisms":["ECDSA_Signature"],"type":"EC_P256","id":"p256"}'
rest POST /keys/generate '{"mechanisms":["EdDSA_Signature"],"type":"Curve25519","id":"ed"}'
rest POST /keys/generate '{"mechanisms":["AES_Encryption_CBC","AES_Decryption_CBC"],"type":"Generic","length":256,"id":"aes"}'
rest POST /keys/generate '{"mechanisms":["ECDSA_Signature"],"type":"EC_P384","id":"0---A1B2"}'
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/k.pem" \
  -out "$WORK/c.pem" -subj /CN=inventory -days 1 2> /dev/null
curl -sf -k -u "admin:$E2E_ADMIN_PASS" -X PUT "$MOCK_URL/keys/rsa/cert" \
  -H 'Content-Type: application/octet-stream' --data-binary @"$WORK/c.pem"

E2E_LOG_FILE="$WORK/module.log" \
  e2e_write_config "$WORK/p11nethsm.conf" Inventory "$E2E_OPERATOR_PASS" "$E2E_ADMIN_PASS"
export P11NETHSM_CONFIG_FILE="$WORK/p11nethsm.conf"

pkcs11-tool --module "$MODULE" -I -L -T -M -O > "$WORK/tool.txt" 2>&1
/usr/bin/python3 "$here/core_pykcs11_inventory.py" --parse-tool "$WORK/tool.txt" | sort > "$WORK/a"
/usr/bin/python3 "$here/core_pykcs11_inventory.py" --module "$MODULE" | sort > "$WORK/b"
if ! diff -u "$WORK/a" "$WORK/b"; then
  echo "FAIL: pkcs11-tool (-) and PyKCS11 (+) differ"; exit 1
fi
echo "OK: $(grep -c '^mech' "$WORK/a") mechanisms, $(grep -c '^object' "$WORK/a") objects agree"
