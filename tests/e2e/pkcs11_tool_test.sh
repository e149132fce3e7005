#!/usr/bin/env bash
# `pkcs11-tool --test --login` passes against the mock (issue 6 acceptance): it signs,
# verifies, decrypts and digests with every key and mechanism the token offers.
# Usage: pkcs11_tool_test.sh <build-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init "$@"

e2e_provisioned_mock
rsa_mechs='"RSA_Signature_PKCS1","RSA_Signature_PSS_SHA1","RSA_Signature_PSS_SHA224","RSA_Signature_PSS_SHA256","RSA_Signature_PSS_SHA384","RSA_Signature_PSS_SHA512","RSA_Decryption_RAW","RSA_Decryption_PKCS1","RSA_Decryption_OAEP_SHA1","RSA_Decryption_OAEP_SHA224","RSA_Decryption_OAEP_SHA256","RSA_Decryption_OAEP_SHA384","RSA_Decryption_OAEP_SHA512"'
e2e_curl "admin:$E2E_ADMIN_PASS" POST /keys/generate "{\"id\":\"rsa\",\"type\":\"RSA\",\"length\":2048,\"mechanisms\":[$rsa_mechs]}" >/dev/null
e2e_curl "admin:$E2E_ADMIN_PASS" POST /keys/generate '{"id":"p256","type":"EC_P256","mechanisms":["ECDSA_Signature"]}' >/dev/null
e2e_curl "admin:$E2E_ADMIN_PASS" POST /keys/generate '{"id":"aes","type":"Generic","length":256,"mechanisms":["AES_Encryption_CBC","AES_Decryption_CBC"]}' >/dev/null

export P11NETHSM_CONFIG_FILE="$WORK/p11nethsm.conf"
e2e_write_config "$P11NETHSM_CONFIG_FILE" TestHSM "" "$E2E_ADMIN_PASS"
pkcs11-tool --module "$MODULE" --test --login --pin "$E2E_OPERATOR_PASS" | tee "$WORK/test.out"
grep -q "No errors" "$WORK/test.out"
