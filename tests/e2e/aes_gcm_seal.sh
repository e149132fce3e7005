#!/usr/bin/env bash
# OpenBao/Vault-style AES-GCM seal (issue 14): bash tests/e2e/aes_gcm_seal.sh <build-dir> [firmware]
# Three processes, as a seal lives through restarts: import the key, seal, unseal.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/java/mock_env.sh"
e2e_setup "${1:?usage: aes_gcm_seal.sh <build-dir> [firmware]}" "${2:-4.0}"
e2e_client_config "$E2E_WORK/p11nethsm.conf"
key_hex=$(openssl rand -hex 32)
for phase in create seal unseal; do
  /usr/bin/python3 "$HERE/aes_gcm_seal.py" "$E2E_MODULE" "$E2E_OPERATOR_PASS" vaultseal "$key_hex" \
    "$E2E_WORK/sealed.json" "$phase"
done
echo "PASS aes_gcm_seal (firmware ${2:-4.0})"
