#!/usr/bin/env bash
# Java 17 SunPKCS11 / keytool against the module and mock-nethsm (issue 6 acceptance).
# Usage: bash tests/e2e/java/java_sunpkcs11.sh <build-dir>
# 1. keytool -genkeypair -keystore NONE -storetype PKCS11 for an RSA and an EC key
#    with enable_set_attribute_value: true (EJBCA/SunPKCS11 alias mode);
# 2. keytool -list shows both aliases with their certificates;
# 3. SunPkcs11Check.java lists the KeyStore, signs with SHA256withRSA and
#    SHA256withECDSA and verifies with Java's software providers and through the
#    module (-Dhsm.verify=true: SunPKCS11 creates a session public-key object,
#    CKA_TOKEN=FALSE, for Signature.initVerify(PublicKey)).
# keytool -list runs in a new process: in alias mode it sees the aliases because the
# module also moved the keys to them (firmware >= 3.0; the mock runs 4.0).
# P11NETHSM_E2E_ALIAS_MODE=0 runs the same without enable_set_attribute_value (real
# CKA_ID/CKA_LABEL rename on firmware >= 3.0).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/mock_env.sh"
e2e_setup "${1:?usage: java_sunpkcs11.sh <build-dir>}"
if [[ "${P11NETHSM_E2E_ALIAS_MODE:-1}" == 1 ]]; then
  e2e_client_config "$E2E_WORK/p11nethsm.conf" "enable_set_attribute_value: true"
else
  e2e_client_config "$E2E_WORK/p11nethsm.conf"
fi

e2e_sunpkcs11

"${KT[@]}" -genkeypair -alias javarsa -keyalg RSA -keysize 2048 -sigalg SHA256withRSA \
  -dname "CN=javarsa" -validity 30 || e2e_fail "keytool -genkeypair RSA"
"${KT[@]}" -genkeypair -alias javaec -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA \
  -dname "CN=javaec" -validity 30 || e2e_fail "keytool -genkeypair EC"

# Signs with every key entry first (most information on failure), then checks aliases.
java -Dhsm.verify=true "$HERE/SunPkcs11Check.java" "$CFG" "$PIN" javarsa javaec || e2e_fail "SunPKCS11 KeyStore check"
LIST="$("${KT[@]}" -list)"
echo "$LIST"
for alias in javarsa javaec; do
  grep -q "^$alias, PrivateKeyEntry" <<<"$LIST" || e2e_fail "keytool -list does not show $alias as PrivateKeyEntry"
done
echo "PASS java_sunpkcs11"
