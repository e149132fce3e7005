#!/usr/bin/env bash
# Vault-style seal test: bash tests/e2e/vault_style.sh <build-dir>
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/java/mock_env.sh"
e2e_setup "${1:?usage: vault_style.sh <build-dir>}"
# The key Vault's seal configuration names by label (key_label = "vault-seal").
e2e_generate vault-seal RSA 2048 RSA_Decryption_OAEP_SHA256
e2e_client_config "$E2E_WORK/p11nethsm.conf"
/usr/bin/python3 "$HERE/vault_style.py" "$E2E_MODULE" "$E2E_OPERATOR_PASS" vault-seal
echo "PASS vault_style"
