#!/usr/bin/env bash
# Real client programs of issue 13 §3 against mock-nethsm, each result checked:
# - NSS: modutil -add registers the module in an NSS database, certutil -L -h lists
#   the certificate stored on the appliance, certutil -K -h lists the keys, and
#   certutil -R -h signs a certificate request with a key on the token; openssl
#   verifies that signature and that the request carries the appliance's public key.
# - GnuTLS p11tool: --list-tokens, --list-all --login (keys and certificate) and
#   --test-sign (signs and verifies with the token's key).
# Usage: nss_p11tool.sh <build-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init "$@"
token=NssHSM

e2e_step "mock-nethsm with an RSA and a P-256 key; a certificate for the RSA key (admin REST API)"
e2e_provisioned_mock
e2e_generate_key "$E2E_ADMIN_PASS" nssrsa RSA 2048 RSA_Signature_PKCS1
e2e_generate_key "$E2E_ADMIN_PASS" nssec EC_P256 0 ECDSA_Signature
e2e_put_certificate "$E2E_ADMIN_PASS" nssrsa nss-rsa-cert
export P11NETHSM_CONFIG_FILE="$WORK/p11nethsm.conf"
e2e_write_config "$P11NETHSM_CONFIG_FILE" "$token" "" "$E2E_ADMIN_PASS"

e2e_step "NSS: modutil -add, then the token in modutil -list"
db="sql:$WORK/nssdb"
mkdir -p "$WORK/nssdb"
certutil -N -d "$db" --empty-password
modutil -dbdir "$db" -add NetHSM -libfile "$MODULE" -force
modutil -dbdir "$db" -list NetHSM | tee "$WORK/modutil.txt"
grep -Eq "Token Name: *$token *$" "$WORK/modutil.txt" || { echo "token $token not in modutil -list"; exit 1; }
printf '%s\n' "$E2E_OPERATOR_PASS" >"$WORK/pin.txt"

e2e_step "NSS: certutil -L -h $token lists the appliance's certificate"
certutil -L -d "$db" -h "$token" -f "$WORK/pin.txt" | tee "$WORK/certs.txt"
nick=$(awk -v t="$token:" 'index($0, t) == 1 {sub(/[ \t]+[a-zA-Z]*,[a-zA-Z]*,[a-zA-Z]*[ \t]*$/, ""); print; exit}' "$WORK/certs.txt")
[ -n "$nick" ] || { echo "no certificate of $token listed"; exit 1; }
certutil -L -d "$db" -h "$token" -n "$nick" -r -f "$WORK/pin.txt" >"$WORK/listed.der"
cmp "$WORK/listed.der" "$WORK/nssrsa.der" || { echo "certutil shows another certificate"; exit 1; }
echo "certificate '$nick' is the one stored on the appliance (byte for byte)"

e2e_step "NSS: certutil -K -h $token lists both private keys"
certutil -K -d "$db" -h "$token" -f "$WORK/pin.txt" | tee "$WORK/keys.txt"
rsa_ckaid=$(hex_of nssrsa)
# certutil shows a CKA_ID as hex, or quoted when it is printable text.
grep -Eqi "> rsa +(\"nssrsa\"|$rsa_ckaid) " "$WORK/keys.txt" || { echo "RSA key not listed"; exit 1; }
grep -Eqi "> ec +(\"nssec\"|$(hex_of nssec)) " "$WORK/keys.txt" || { echo "EC key not listed"; exit 1; }

e2e_step "NSS: certutil -R -h $token signs a request with the RSA key on the token"
head -c 64 /dev/urandom >"$WORK/noise"
certutil -R -d "$db" -h "$token" -f "$WORK/pin.txt" -k "$rsa_ckaid" -s "CN=NSS request" \
  -Z SHA256 -z "$WORK/noise" -o "$WORK/req.der"
openssl req -inform DER -in "$WORK/req.der" -verify -noout 2>&1 | tee "$WORK/verify.txt"
grep -q "verify OK" "$WORK/verify.txt" || { echo "openssl cannot verify the NSS-signed request"; exit 1; }
openssl req -inform DER -in "$WORK/req.der" -noout -pubkey >"$WORK/req-pub.pem"
cmp <(openssl pkey -pubin -in "$WORK/req-pub.pem" -outform DER) \
    <(openssl pkey -pubin -in "$WORK/nssrsa.pem" -outform DER) ||
  { echo "the request does not carry the appliance key"; exit 1; }
echo "request signed on the token, verified by openssl with the appliance's public key"

e2e_step "p11tool --list-tokens"
p11tool --provider "$MODULE" --list-tokens | tee "$WORK/tokens.txt"
grep -Eq "Label: *$token\$" "$WORK/tokens.txt" || { echo "token not listed"; exit 1; }
grep -q "URL: pkcs11:.*token=$token" "$WORK/tokens.txt" || { echo "no token URL"; exit 1; }

e2e_step "p11tool --list-all --login"
GNUTLS_PIN=$E2E_OPERATOR_PASS p11tool --provider "$MODULE" --list-all --login "pkcs11:token=$token" |
  tee "$WORK/all.txt"
for id in nssrsa nssec; do
  grep -qi "id=$(hex_of $id | sed 's/../%&/g');object=$id;type=private" "$WORK/all.txt" ||
    { echo "private key $id not listed"; exit 1; }
done
grep -q "Type: X.509 Certificate" "$WORK/all.txt" || { echo "certificate not listed"; exit 1; }

e2e_step "p11tool --test-sign with each key"
for id in nssrsa nssec; do
  url="pkcs11:token=$token;id=$(hex_of $id | sed 's/../%&/g');type=private"
  GNUTLS_PIN=$E2E_OPERATOR_PASS p11tool --provider "$MODULE" --login --test-sign "$url" 2>&1 |
    tee "$WORK/test-sign-$id.txt"
  for check in "private key parameters" "public key in the token"; do
    grep -q "Verifying against $check... ok" "$WORK/test-sign-$id.txt" ||
      { echo "p11tool --test-sign: $id not verified against the $check"; exit 1; }
  done
done
echo "== NSS and p11tool: all results verified"
