#!/usr/bin/env bash
# The test command: installs what is needed, builds the module and its tests and runs
# the whole suite. Each stage prints its duration; the command exits non-zero when any
# stage fails. Stages:
#   release   build/       g++, warnings as errors: unit, integration, end-to-end tests
#   sanitizer build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer: unit and
#                          integration tests
#   fuzz      libFuzzer targets (tests/fuzz), 60 s each, two at a time (scripts/fuzz.sh;
#             in build-asan/ once it is a clang -DP11NETHSM_FUZZ=ON build, else build-fuzz/)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
suite_start=$SECONDS

# stage <name> <command...>: runs the command and prints how long it took.
stage() {
  local name=$1 start=$SECONDS
  shift
  echo "== stage: $name"
  "$@"
  echo "== stage: $name done in $((SECONDS - start)) s"
}

configure_and_build() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DP11NETHSM_WERROR=ON "$@"
  cmake --build "$dir" -j "$jobs"
}

run_ctest() {
  local dir=$1
  shift
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 900 "$@")
}

stage "install packages" scripts/install-deps.sh

stage "release build" configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
stage "release tests (unit, integration, e2e)" run_ctest build

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "sanitizer build (ASan + UBSan)" configure_and_build build-asan \
  -DCMAKE_BUILD_TYPE=Debug -DP11NETHSM_SANITIZE=ON
stage "sanitizer tests (unit, integration)" run_ctest build-asan -L 'unit|integration'
stage "fuzz (60 s per target, clang, ASan + UBSan)" scripts/fuzz.sh 60

echo "== test command passed in $((SECONDS - suite_start)) s"
