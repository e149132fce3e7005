#!/bin/sh
# Only curl and openssl: provision a fresh mock-nethsm, create an Operator, generate one
# key of every type, sign/decrypt/encrypt with each in every mode the type allows, and
# verify each result with openssl. Usage: mock_curl_openssl.sh <path to mock-nethsm>
set -eu
MOCK=${1:?path to mock-nethsm}
W=$(mktemp -d)
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
"$MOCK" --port 0 > "$W/out" &
PID=$!
for _ in $(seq 50); do [ -s "$W/out" ] && break; sleep 0.1; done
PORT=$(sed -n 's/^listening https:\/\/127.0.0.1:\([0-9]*\) .*/\1/p' "$W/out")
[ -n "$PORT" ] || { echo "mock did not start"; exit 1; }
B="https://127.0.0.1:$PORT/api/v1"
J='Content-Type: application/json'
fail() { echo "FAIL: $*"; exit 1; }
# curl with the expected status; body to $W/body
call() { # status method path [user:pass] [data]
  want=$1; shift; m=$1; shift; p=$1; shift
  set -- -sk -o "$W/body" -w '%{http_code}' -X "$m" "$B$p" ${1:+-u "$1"} ${2:+-H "$J" --data-binary "$2"}
  got=$(curl "$@")
  [ "$got" = "$want" ] || fail "$m $p: $got (want $want): $(cat "$W/body")"
}
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$W/body"; }
ADMIN=admin:adminadmin1
OP=operator:operator-pass

call 204 POST /provision "" '{"unlockPassphrase":"unlockunlock","adminPassphrase":"adminadmin1","systemTime":"2024-01-01T00:00:00Z"}'
call 201 PUT /users/operator "$ADMIN" '{"realName":"Op","role":"Operator","passphrase":"operator-pass"}'
printf 'The quick brown fox' > "$W/msg"

gen() { # id type mechanisms [length]
  call 201 POST /keys/generate "$ADMIN" "{\"id\":\"$1\",\"type\":\"$2\",\"mechanisms\":[$3]${4:+,\"length\":$4}}"
  [ "$2" = Generic ] || { call 200 GET "/keys/$1/public.pem" "$ADMIN"; cp "$W/body" "$W/$1.pem"; }
}
sign() { # id mode input-file → $W/sig (binary)
  call 200 POST "/keys/$1/sign" "$OP" "{\"mode\":\"$2\",\"message\":\"$(base64 -w0 < "$3")\"}"
  field signature | base64 -d > "$W/sig"
}
digest_of() { openssl dgst "-$1" -binary "$W/msg" > "$W/dgst"; }

# ECDSA on every curve: input = the curve's digest size, answer DER.
for spec in EC_P256:sha256 EC_P384:sha384 EC_P521:sha512 EC_P256K1:sha256 \
            BrainpoolP256:sha256 BrainpoolP384:sha384 BrainpoolP512:sha512; do
  t=${spec%%:*}; h=${spec#*:}
  gen "$t" "$t" '"ECDSA_Signature"'
  digest_of "$h"; sign "$t" ECDSA "$W/dgst"
  openssl pkeyutl -verify -pubin -inkey "$W/$t.pem" -in "$W/dgst" -sigfile "$W/sig" >/dev/null || fail "ECDSA $t"
done

gen ed Curve25519 '"EdDSA_Signature"'
sign ed EdDSA "$W/msg"
openssl pkeyutl -verify -pubin -inkey "$W/ed.pem" -rawin -in "$W/msg" -sigfile "$W/sig" >/dev/null || fail EdDSA

MECHS='"RSA_Signature_PKCS1","RSA_Decryption_RAW","RSA_Decryption_PKCS1"'
for h in MD5 SHA1 SHA224 SHA256 SHA384 SHA512; do
  MECHS="$MECHS,\"RSA_Signature_PSS_$h\",\"RSA_Decryption_OAEP_$h\""
done
gen rsa RSA "$MECHS" 2048
# PKCS1: the client sends DigestInfo || hash; openssl verifies with the digest.
digest_of sha256
{ printf '\060\061\060\015\006\011\140\206\110\001\145\003\004\002\001\005\000\004\040'; cat "$W/dgst"; } > "$W/di"
sign rsa PKCS1 "$W/di"
openssl dgst -sha256 -verify "$W/rsa.pem" -signature "$W/sig" "$W/msg" >/dev/null || fail PKCS1
for h in md5 sha1 sha224 sha256 sha384 sha512; do
  H=$(echo "$h" | tr a-z A-Z); digest_of "$h"
  sign rsa "PSS_$H" "$W/dgst"
  openssl dgst "-$h" -verify "$W/rsa.pem" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest \
    -signature "$W/sig" "$W/msg" >/dev/null || fail "PSS_$H"
done

decrypt() { # mode ciphertext-file → $W/plain
  call 200 POST /keys/rsa/decrypt "$OP" "{\"mode\":\"$1\",\"encrypted\":\"$(base64 -w0 < "$2")\"}"
  field decrypted | base64 -d > "$W/plain"
}
openssl pkeyutl -encrypt -pubin -inkey "$W/rsa.pem" -in "$W/msg" -out "$W/ct"
decrypt PKCS1 "$W/ct"; cmp -s "$W/plain" "$W/msg" || fail "decrypt PKCS1"
decrypt RAW "$W/ct"
openssl pkeyutl -verifyrecover -pubin -inkey "$W/rsa.pem" -pkeyopt rsa_padding_mode:none -in "$W/plain" \
  -out "$W/recovered" && cmp -s "$W/recovered" "$W/ct" || fail "decrypt RAW"
for h in md5 sha1 sha224 sha256 sha384 sha512; do
  H=$(echo "$h" | tr a-z A-Z)
  openssl pkeyutl -encrypt -pubin -inkey "$W/rsa.pem" -pkeyopt rsa_padding_mode:oaep -pkeyopt "rsa_oaep_md:$h" \
    -pkeyopt "rsa_mgf1_md:$h" -in "$W/msg" -out "$W/ct"
  decrypt "OAEP_$H" "$W/ct"; cmp -s "$W/plain" "$W/msg" || fail "decrypt OAEP_$H"
done

gen aes Generic '"AES_Encryption_CBC","AES_Decryption_CBC"' 256
# The mock cannot export the AES key: check encrypt→decrypt round trip, and that
# openssl decrypts a mock ciphertext of an imported key we know.
KEYHEX=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KEYB64=$(printf '%s' "$KEYHEX" | sed 's/../\\x&/g' | xargs -0 printf | base64 -w0)
call 204 PUT /keys/aesknown "$ADMIN" "{\"type\":\"Generic\",\"mechanisms\":[\"AES_Encryption_CBC\",\"AES_Decryption_CBC\"],\"private\":{\"data\":\"$KEYB64\"}}"
printf '0123456789abcdef0123456789abcdef' > "$W/block"
for k in aes aesknown; do
  call 200 POST "/keys/$k/encrypt" "$OP" "{\"mode\":\"AES_CBC\",\"message\":\"$(base64 -w0 < "$W/block")\"}"
  CT=$(field encrypted); IV=$(field iv)
  call 200 POST "/keys/$k/decrypt" "$OP" "{\"mode\":\"AES_CBC\",\"encrypted\":\"$CT\",\"iv\":\"$IV\"}"
  field decrypted | base64 -d | cmp -s - "$W/block" || fail "AES round trip $k"
done
IVHEX=$(printf '%s' "$IV" | base64 -d | od -An -tx1 | tr -d ' \n')
printf '%s' "$CT" | base64 -d | openssl enc -d -aes-256-cbc -K "$KEYHEX" -iv "$IVHEX" -nopad | cmp -s - "$W/block" \
  || fail "AES-CBC verified by openssl"
echo "mock_curl_openssl: all signatures and ciphertexts verified"
