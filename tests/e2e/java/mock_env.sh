#!/usr/bin/env bash
# Shared set-up of the client-level e2e scripts (Java, Vault-style, Venafi-style):
# starts <build-dir>/mock-nethsm on a free port of 127.0.0.1, provisions it over its
# REST API with curl, creates keys and writes a p11nethsm.conf that pins the mock's
# certificate. Source it, then call e2e_setup <build-dir>; everything is removed on exit.
set -euo pipefail

# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# e2e_setup <build-dir> [firmware]: lib.sh's e2e_mock on that firmware; sets E2E_BUILD,
# E2E_MODULE, E2E_WORK, E2E_URL, E2E_FINGERPRINT (passphrases: lib.sh's E2E_*_PASS).
e2e_setup() {
  e2e_mock "$1" --firmware "${2:-4.0}" >/dev/null
  E2E_BUILD="$BUILD" E2E_MODULE="$MODULE" E2E_WORK="$WORK"
  [[ -f "$E2E_MODULE" ]] || e2e_fail "$E2E_MODULE not built"
  E2E_URL="${MOCK_URL%/api/v1}"
  E2E_FINGERPRINT="$MOCK_FP"
}

# e2e_api <curl args...>: a request to the mock (TLS pinned by fingerprint is what the
# module does; curl here only provisions, so -k is enough).
e2e_api() { curl -sSk --fail-with-body "$@"; }

# e2e_generate <id> <type> <length> <mechanism>...: POST /keys/generate.
e2e_generate() {
  local id="$1" type="$2" length="$3"
  shift 3
  local mechs
  mechs="$(printf '"%s",' "$@")"
  e2e_api -u "admin:$E2E_ADMIN_PASS" -X POST "$E2E_URL/api/v1/keys/generate" -H 'Content-Type: application/json' \
    -d "{\"mechanisms\":[${mechs%,}],\"type\":\"$type\",\"length\":$length,\"id\":\"$id\"}" >/dev/null
}

# e2e_sunpkcs11 [extra SunPKCS11 configuration lines...]: $E2E_WORK/sunpkcs11.cfg for
# the module's first slot; sets CFG (the file), PIN (the operator's) and KT (keytool on
# the PKCS#11 keystore of that provider).
e2e_sunpkcs11() {
  CFG="$E2E_WORK/sunpkcs11.cfg"
  {
    echo "name = NetHSM"
    echo "library = $E2E_MODULE"
    echo "slotListIndex = 0"
    for line in "$@"; do echo "$line"; done
  } >"$CFG"
  PIN="$E2E_OPERATOR_PASS"
  KT=(keytool -keystore NONE -storetype PKCS11 -providerName SunPKCS11-NetHSM
    -providerClass sun.security.pkcs11.SunPKCS11 -providerArg "$CFG" -storepass "$PIN")
}

# e2e_client_config <file> [top-level yaml line]...: one slot "NetHSM" with both users
# and their passwords (keytool, EJBCA and Venafi log in only as CKU_USER; the
# administrator password lets the module generate keys for them); the module logs to
# $E2E_WORK/module.log. Exports P11NETHSM_CONFIG_FILE.
e2e_client_config() {
  local file="$1"
  shift
  E2E_LOG_FILE="$E2E_WORK/module.log" \
    e2e_write_config "$file" NetHSM "$E2E_OPERATOR_PASS" "$E2E_ADMIN_PASS" "$@"
  export P11NETHSM_CONFIG_FILE="$file"
}
