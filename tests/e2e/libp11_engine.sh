#!/usr/bin/env bash
# OpenSSL through Debian's libp11 engine (libengine-pkcs11-openssl 0.4.12), what most
# scripts use (issue 9 §5): `openssl dgst -engine pkcs11 -keyform engine -sign` with
# RSA PKCS#1 v1.5, RSA-PSS and ECDSA keys, each signature verified by openssl against
# the key's public.pem from the appliance, and `openssl req -x509 -engine pkcs11`
# whose certificate `openssl verify -check_ss_sig` accepts and whose public key is the
# appliance's. The token holds no Ed25519 key: engine 0.4.12 cannot enumerate a token
# that has one (README "Compatibility notes").
# Usage: libp11_engine.sh <build-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init "$@"
engine=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
[ -f "$engine" ] || e2e_fail "$engine missing (apt-get install libengine-pkcs11-openssl)"

e2e_provisioned_mock
for spec in "rsa RSA 2048 RSA_Signature_PKCS1" "pss RSA 2048 RSA_Signature_PSS_SHA256" \
            "ec EC_P256 0 ECDSA_Signature"; do
  e2e_generate_key "$E2E_ADMIN_PASS" $spec
done
export P11NETHSM_CONFIG_FILE="$WORK/p11nethsm.conf"
e2e_write_config "$P11NETHSM_CONFIG_FILE" EngineHSM "" "$E2E_ADMIN_PASS"
cat >"$WORK/openssl.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engine
MODULE_PATH = $MODULE
init = 0
CNF
export OPENSSL_CONF="$WORK/openssl.cnf"
uri() { echo "pkcs11:token=EngineHSM;id=%$(hex_of "$1" | sed 's/../&%/g; s/%$//');type=private;pin-value=$E2E_OPERATOR_PASS"; }
head -c 4000 /dev/urandom >"$WORK/data"

sign_and_verify() {  # <key> <name> [sigopts...]
  local key=$1 name=$2
  shift 2
  openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$(uri "$key")" "$@" \
    -out "$WORK/$name.sig" "$WORK/data" || e2e_fail "$name: openssl dgst -sign through the engine"
  [ -s "$WORK/$name.sig" ] || e2e_fail "$name: empty signature file"
  openssl dgst -sha256 -verify "$WORK/$key.pem" "$@" -signature "$WORK/$name.sig" "$WORK/data" ||
    e2e_fail "$name: openssl does not verify the engine's signature"
  echo "OK $name signature verified by openssl"
}
sign_and_verify rsa rsa-pkcs1
sign_and_verify pss rsa-pss -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
  -sigopt rsa_mgf1_md:sha256
sign_and_verify ec ecdsa

for key in rsa ec; do
  openssl req -x509 -engine pkcs11 -keyform engine -key "$(uri "$key")" -sha256 -days 2 \
    -subj "/CN=engine-$key" -out "$WORK/$key-cert.pem" || e2e_fail "openssl req -x509 with $key"
  openssl verify -check_ss_sig -CAfile "$WORK/$key-cert.pem" "$WORK/$key-cert.pem" ||
    e2e_fail "$key: the self-signed certificate's signature does not verify"
  openssl x509 -in "$WORK/$key-cert.pem" -noout -pubkey >"$WORK/$key-cert-pub.pem"
  cmp -s <(openssl pkey -pubin -in "$WORK/$key-cert-pub.pem" -outform DER) \
         <(openssl pkey -pubin -in "$WORK/$key.pem" -outform DER) ||
    e2e_fail "$key: the certificate does not carry the appliance key"
  echo "OK openssl req -x509 -engine pkcs11 ($key) passes -check_ss_sig"
done
echo "PASS libp11_engine"
