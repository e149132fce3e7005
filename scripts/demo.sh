#!/usr/bin/env bash
# The demo command: installs what is needed, builds the module and mock-nethsm,
# starts the mock, provisions it and shows the module at work through pkcs11-tool:
# slots, objects, and signatures with RSA, P-256 and Ed25519 keys that openssl
# verifies.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target nethsm_pkcs11 mock-nethsm
bash tests/e2e/pkcs11_tool_sign.sh build
