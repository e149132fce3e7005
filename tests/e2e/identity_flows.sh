#!/usr/bin/env bash
# KMIP-relay-style and Vault-style key naming through python3-pykcs11 (issue 9 §5),
# on the firmware given: the relay's signature is verified by openssl against the
# public key the appliance returns for the key's unchanged ID; on 5.0 the appliance
# label is the first 32 bytes of the 52-character label.
# Usage: identity_flows.sh <build-dir> <firmware 4.0|5.0>
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/java/mock_env.sh"
firmware="${2:?usage: identity_flows.sh <build-dir> <firmware>}"
e2e_setup "${1:?usage: identity_flows.sh <build-dir> <firmware>}" "$firmware"
e2e_client_config "$E2E_WORK/p11nethsm.conf"
/usr/bin/python3 "$HERE/identity_flows.py" "$E2E_MODULE" "$E2E_OPERATOR_PASS" "$E2E_WORK" ||
  e2e_fail "identity flows through PyKCS11"
id="$(cat "$E2E_WORK/relay.id")"
e2e_api -u "admin:$E2E_ADMIN_PASS" "$E2E_URL/api/v1/keys/$id/public.pem" >"$E2E_WORK/relay.pem" ||
  e2e_fail "the relay's key is not on the appliance under its CKA_ID ($id)"
openssl dgst -sha256 -verify "$E2E_WORK/relay.pem" -signature "$E2E_WORK/relay.sig" \
  "$E2E_WORK/relay.data" || e2e_fail "openssl does not verify the relay's signature"
if [[ "$firmware" == 5.0 ]]; then
  label="$(e2e_api -u "admin:$E2E_ADMIN_PASS" "$E2E_URL/api/v1/keys/$id" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("label",""))')"
  [[ "$label" == "kmip-$(printf 'b%.0s' $(seq 27))" ]] ||
    e2e_fail "appliance label '$label' is not the first 32 bytes of the relay's label"
fi
echo "PASS identity_flows (firmware $firmware)"
