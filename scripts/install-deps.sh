#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and the demo need.
# Idempotent: safe to run again; runs `apt-get update` once per invocation.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  # libraries the module and the mock use
  libcurl4-openssl-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev
  libp11-kit-dev libcpp-httplib-dev libgtest-dev libgmock-dev
  # clang: the sanitizer build (the second compiler), the TSan stage and the fuzz
  # targets; its runtimes for ASan/UBSan/TSan/libFuzzer
  clang libclang-rt-14-dev
  # the format check of the test command
  clang-format-14
  # the package check (packaging/check_deb.sh)
  lintian
  # clients the end-to-end tests drive
  opensc p11-kit gnutls-bin python3 python3-pykcs11 libengine-pkcs11-openssl
  libnss3-tools openssl curl jq xxd valgrind default-jdk-headless
  # the fork test prints a hung child's stacks before killing it
  gdb
  # independent AES-GCM reference of the seal test (tests/e2e/aes_gcm_seal.py)
  python3-cryptography
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all ${#packages[@]} packages present"
