#!/usr/bin/env bash
# keytool (SunPKCS11) on firmware 5.0, whose keys have labels (issue 9 §5):
#   keytool -genkeypair -alias A with a generation template that gives the public
#   key a CKA_LABEL (attributes(generate, CKO_PUBLIC_KEY, *)), then in new processes
#   keytool -list shows alias A (SunPKCS11 lists aliases from the certificate's
#   CKA_LABEL, which names the key), jarsigner signs with A and jarsigner -verify
#   checks the signature and that CN=A signed, keytool -delete -alias A removes the
#   key from the appliance.
# Usage: bash tests/e2e/java/keytool_v5.sh <build-dir>
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/mock_env.sh"
e2e_setup "${1:?usage: keytool_v5.sh <build-dir>}" 5.0
e2e_client_config "$E2E_WORK/p11nethsm.conf"

e2e_sunpkcs11 "attributes(generate, CKO_PUBLIC_KEY, *) = {" \
  "  CKA_LABEL = 0h$(hex_of publickey-label)" "}"
PROVIDER=(-providerName SunPKCS11-NetHSM -providerClass sun.security.pkcs11.SunPKCS11 -providerArg "$CFG")

"${KT[@]}" -genkeypair -alias A -keyalg RSA -keysize 2048 -sigalg SHA256withRSA \
  -dname "CN=A" -validity 30 || e2e_fail "keytool -genkeypair"
keys="$(e2e_api -u "admin:$E2E_ADMIN_PASS" "$E2E_URL/api/v1/keys")"
[[ "$keys" == '[{"id":"A"}]' ]] || e2e_fail "the appliance holds $keys, not the key A"
label="$(e2e_api -u "admin:$E2E_ADMIN_PASS" "$E2E_URL/api/v1/keys/A" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("label",""))')"
[[ "$label" == A ]] || e2e_fail "key A has the appliance label '$label', not A"

LIST="$("${KT[@]}" -list)"
echo "$LIST"
grep -q "^A, PrivateKeyEntry" <<<"$LIST" || e2e_fail "keytool -list does not show alias A"
grep -q "^publickey-label," <<<"$LIST" && e2e_fail "keytool -list shows the public key's label as an alias"
grep -q "contains 1 entry" <<<"$LIST" || e2e_fail "keytool -list does not show exactly one entry"

echo "signed by the NetHSM" >"$E2E_WORK/payload.txt"
(cd "$E2E_WORK" && jar cf signed.jar payload.txt)
jarsigner -keystore NONE -storetype PKCS11 "${PROVIDER[@]}" -storepass "$PIN" \
  "$E2E_WORK/signed.jar" A || e2e_fail "jarsigner with alias A"
VERIFY="$(jarsigner -verify -verbose -certs "$E2E_WORK/signed.jar")"
grep -q "^jar verified." <<<"$VERIFY" || e2e_fail "jarsigner -verify: $VERIFY"
grep -q 'Signed by "CN=A"' <<<"$VERIFY" || e2e_fail "the jar is not signed by CN=A"

"${KT[@]}" -delete -alias A || e2e_fail "keytool -delete -alias A"
"${KT[@]}" -list | grep "contains 0 entries" >/dev/null || e2e_fail "keytool -list after -delete is not empty"
keys="$(e2e_api -u "admin:$E2E_ADMIN_PASS" "$E2E_URL/api/v1/keys")"
[[ "$keys" == '[]' ]] || e2e_fail "the appliance still holds $keys after keytool -delete"
echo "PASS keytool_v5"
