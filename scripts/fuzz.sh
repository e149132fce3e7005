#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz, each for <seconds>, two at a time (the CI
# machine has two cores), at nice 19.
#   scripts/fuzz.sh <seconds> [target...]     targets: config answers templates attributes capi
# P11NETHSM_FUZZ_JOBS: targets run at once (default 2). A target stopped with SIGINT
# (libFuzzer's exit code 72) counts as a clean run of the time it had.
# Build: $P11NETHSM_FUZZ_BUILD (default build-asan) when it holds the fuzz targets,
# otherwise build-fuzz/, configured here with clang, ASan + UBSan, -DP11NETHSM_FUZZ=ON.
# Inputs that found new coverage go to <build>/fuzz-corpus/<target> (the seeds in
# tests/fuzz/corpus are only read); a finding leaves its input in
# <build>/fuzz-findings/<target>/ and makes the script fail. Prints, per target, the
# CPU time used, the executions and the findings.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz.sh <seconds> [target...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config answers templates attributes capi)

build=${P11NETHSM_FUZZ_BUILD:-build-asan}
if [ ! -x "$build/fuzz/fuzz_${targets[0]}" ] &&
   ! grep -q '^P11NETHSM_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  build=build-fuzz
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DP11NETHSM_WERROR=ON -DP11NETHSM_SANITIZE=ON -DP11NETHSM_FUZZ=ON -DP11NETHSM_TESTS=OFF \
    ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER} >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TIMEFORMAT='%U %S'
logs="$build/fuzz-logs"
mkdir -p "$logs"

run_one() {
  local t=$1 corpus="$build/fuzz-corpus/$1" findings="$build/fuzz-findings/$1"
  rm -rf "$findings"
  mkdir -p "$corpus" "$findings"
  { time nice -n 19 "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=25 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" \
      "$corpus" "tests/fuzz/corpus/$t" >"$logs/$t.log" 2>&1; } 2>"$logs/$t.time"
}

report() {
  local t=$1 status=$2 cpu execs found
  cpu=$(awk '{printf "%.0f", $1 + $2}' "$logs/$t.time" 2>/dev/null || echo "?")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log" | tail -1)
  found=$(find "$build/fuzz-findings/$t" -type f | wc -l)
  echo "fuzz_$t: ${cpu} CPU-s, ${execs:-?} executions, corpus $(ls "$build/fuzz-corpus/$t" | wc -l) new inputs, findings $found (exit $status)"
  [ "$status" -eq 72 ] && status=0  # interrupted (SIGINT), not a finding
  if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
    tail -40 "$logs/$t.log"
    return 1
  fi
}

failed=0
jobs=${P11NETHSM_FUZZ_JOBS:-2}
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  pair=("${targets[@]:i:jobs}")
  pids=()
  for t in "${pair[@]}"; do run_one "$t" & pids+=($!); done
  for k in "${!pair[@]}"; do
    status=0
    wait "${pids[$k]}" || status=$?
    report "${pair[$k]}" "$status" || failed=1
  done
done
exit $failed
