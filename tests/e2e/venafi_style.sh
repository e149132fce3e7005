#!/usr/bin/env bash
# Venafi-style test: bash tests/e2e/venafi_style.sh <build-dir>
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/java/mock_env.sh"
e2e_setup "${1:?usage: venafi_style.sh <build-dir>}"
e2e_generate venafi-aes Generic 256 AES_Encryption_CBC AES_Decryption_CBC
e2e_client_config "$E2E_WORK/p11nethsm.conf"
/usr/bin/python3 "$HERE/venafi_style.py" "$E2E_MODULE" "$E2E_OPERATOR_PASS" venafi-aes
echo "PASS venafi_style"
