#!/usr/bin/env bash
# The test command: installs what is needed, builds the module and its tests and runs
# the whole suite. Each stage prints its duration; the command exits non-zero when any
# stage fails. Stages:
#   format    every C++ file as .clang-format says (clang-format 14)
#   release   build/       g++, warnings as errors: unit tests (without network when
#                          unshare can make a namespace), integration, end-to-end tests
#   sanitizer build-asan/  clang (the second compiler), AddressSanitizer +
#                          UndefinedBehaviorSanitizer: unit and integration tests
#   tsan      build-tsan/  ThreadSanitizer (clang), only what it runs: the linked
#                          conformance battery (stress, torture, lifecycle, fork) and
#                          the cluster tests; any report fails the stage
#   fuzz      libFuzzer targets (tests/fuzz) in build-asan/, 60 s each, two at a time
#             (scripts/fuzz.sh)
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

# configure_and_build <dir> [cmake args...] [-- targets...]: no targets: everything.
configure_and_build() {
  local dir=$1 args=() targets=()
  shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
  if [ $# -gt 0 ]; then shift; targets=(--target "$@"); fi
  cmake -S . -B "$dir" -G Ninja -DP11NETHSM_WERROR=ON "${args[@]}"
  cmake --build "$dir" -j "$jobs" "${targets[@]}"
}

run_ctest() {
  local dir=$1
  shift
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 900 "$@")
}

stage "install packages" scripts/install-deps.sh

# The tree is kept as .clang-format says; a file that is not fails here, in seconds.
check_format() {
  git ls-files '*.cpp' '*.hpp' '*.h' | xargs clang-format-14 --dry-run --Werror
}
stage "format (clang-format)" check_format

stage "release build" configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
# The unit label needs no network (tests/unit/core runs the module against an
# in-process appliance): it runs in a network namespace without any interface when
# unshare can make one (root, or unprivileged user namespaces), else as it is.
run_unit_offline() {
  local offline=()
  if unshare -n true 2>/dev/null; then offline=(unshare -n)
  elif unshare -rn true 2>/dev/null; then offline=(unshare -rn); fi
  (cd build && "${offline[@]}" ctest --output-on-failure -j "$jobs" --timeout 900 -L unit)
}
stage "release unit tests (no network)" run_unit_offline
stage "release tests (integration, e2e)" run_ctest build -LE unit

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "sanitizer build (clang, ASan + UBSan)" configure_and_build build-asan \
  -DCMAKE_BUILD_TYPE=Debug -DP11NETHSM_SANITIZE=ON -DP11NETHSM_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
stage "sanitizer tests (unit, integration)" run_ctest build-asan -L 'unit|integration'
stage "fuzz (60 s per target, clang, ASan + UBSan)" scripts/fuzz.sh 60

# halt_on_error: a report ends the test with a failure. die_after_fork=0: a forked
# child of the battery starts its own threads after its own C_Initialize.
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:die_after_fork=0
stage "thread sanitizer build (TSan)" configure_and_build build-tsan \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DP11NETHSM_TSAN=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -- test_conformance test_cluster
stage "thread sanitizer tests (stress, torture, conformance, cluster)" \
  run_ctest build-tsan -R '^test_(conformance|cluster)$'

echo "== test command passed in $((SECONDS - suite_start)) s"
