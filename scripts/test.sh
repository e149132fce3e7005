#!/usr/bin/env bash
# The test command: installs what is needed, builds everything twice (release, and
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs the whole suite: unit,
# integration and end-to-end tests in the release build, unit and integration tests
# in the sanitizer build. Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$jobs"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DP11NETHSM_SANITIZE=ON
cmake --build build-asan -j "$jobs"

echo "== release build: unit, integration and end-to-end tests"
(cd build && ctest --output-on-failure -j "$jobs" --timeout 900)

echo "== sanitizer build (ASan + UBSan): unit and integration tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j "$jobs" --timeout 900 -L 'unit|integration')
