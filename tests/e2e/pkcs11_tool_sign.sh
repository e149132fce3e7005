#!/usr/bin/env bash
# The walking skeleton end to end (issue 2 §6): start mock-nethsm, provision it with
# curl, create an Operator, generate RSA-2048, P-256 and Ed25519 keys, then through
# `pkcs11-tool --module libnethsm_pkcs11.so` list slots and objects and sign with each
# key; every signature is verified by openssl against the key's public.pem.
# Usage: pkcs11_tool_sign.sh <build-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init "$@"

e2e_step "start mock-nethsm and provision it (as an administrator would, with curl)"
e2e_provisioned_mock
for spec in "rsa2048 RSA 2048 RSA_Signature_PKCS1" "p256 EC_P256 0 ECDSA_Signature" \
            "ed25519 Curve25519 0 EdDSA_Signature"; do
  e2e_generate_key "$E2E_ADMIN_PASS" $spec
  echo "generated $spec"
done

export P11NETHSM_CONFIG_FILE="$WORK/p11nethsm.conf"
e2e_write_config "$P11NETHSM_CONFIG_FILE" DemoHSM "" "$E2E_ADMIN_PASS"
p11() { pkcs11-tool --module "$MODULE" "$@"; }

e2e_step "pkcs11-tool --list-slots"
p11 --list-slots | tee "$WORK/slots.txt"
grep -q "DemoHSM" "$WORK/slots.txt"

e2e_step "pkcs11-tool --list-objects (logged in as the Operator)"
p11 --login --pin "$E2E_OPERATOR_PASS" --list-objects | tee "$WORK/objects.txt"
for id in rsa2048 p256 ed25519; do
  grep -qi "ID: *$(hex_of $id)" "$WORK/objects.txt" || { echo "object $id missing"; exit 1; }
done

head -c 1000 /dev/urandom >"$WORK/data"
openssl dgst -sha256 -binary "$WORK/data" >"$WORK/data.sha256"

e2e_step "sign with RSA-2048, CKM_SHA256_RSA_PKCS; verify with openssl"
p11 --login --pin "$E2E_OPERATOR_PASS" --sign --id "$(hex_of rsa2048)" -m SHA256-RSA-PKCS \
  --input-file "$WORK/data" --output-file "$WORK/rsa.sig"
openssl dgst -sha256 -verify "$WORK/rsa2048.pem" -signature "$WORK/rsa.sig" "$WORK/data"

e2e_step "sign with RSA-2048, CKM_RSA_PKCS over a DigestInfo; verify with openssl"
{ printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20'; cat "$WORK/data.sha256"; } >"$WORK/digestinfo"
p11 --login --pin "$E2E_OPERATOR_PASS" --sign --id "$(hex_of rsa2048)" -m RSA-PKCS \
  --input-file "$WORK/digestinfo" --output-file "$WORK/rsa-raw.sig"
openssl dgst -sha256 -verify "$WORK/rsa2048.pem" -signature "$WORK/rsa-raw.sig" "$WORK/data"

e2e_step "sign with P-256, CKM_ECDSA (raw r||s from the module); verify with openssl"
p11 --login --pin "$E2E_OPERATOR_PASS" --sign --id "$(hex_of p256)" -m ECDSA \
  --input-file "$WORK/data.sha256" --output-file "$WORK/p256.raw"
test "$(stat -c %s "$WORK/p256.raw")" -eq 64
p11 --login --pin "$E2E_OPERATOR_PASS" --sign --id "$(hex_of p256)" -m ECDSA --signature-format openssl \
  --input-file "$WORK/data.sha256" --output-file "$WORK/p256.der"
openssl pkeyutl -verify -pubin -inkey "$WORK/p256.pem" -in "$WORK/data.sha256" -sigfile "$WORK/p256.der"

e2e_step "sign with Ed25519, CKM_EDDSA; verify with openssl"
p11 --login --pin "$E2E_OPERATOR_PASS" --sign --id "$(hex_of ed25519)" -m EDDSA \
  --input-file "$WORK/data" --output-file "$WORK/ed.sig"
openssl pkeyutl -verify -pubin -inkey "$WORK/ed25519.pem" -rawin -in "$WORK/data" -sigfile "$WORK/ed.sig"

e2e_step "all signatures verified by openssl"
