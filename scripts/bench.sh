#!/usr/bin/env bash
# The benchmark command (issue 11), NOT part of the test command. Installs what is
# missing, builds a Release tree of its own (build-bench/), and runs
# build-bench/tests/bench_p11nethsm, which starts mock-nethsm processes on 127.0.0.1
# and prints Markdown tables: signing through the module next to a bare libcurl
# keep-alive client, the 10,000-key listing, cluster scaling and memory.
#
#   bash scripts/bench.sh [bench options]   e.g. --only sign --seconds 1 --threads 1,8
#   bash scripts/bench.sh --profile         callgrind: instructions per signature,
#                                           module vs bare client (repeatable on a
#                                           noisy machine, unlike times)
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-bench

scripts/install-deps.sh >/dev/null
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_p11nethsm >/dev/null
bench="$build/tests/bench_p11nethsm"

if [ "${1:-}" != "--profile" ]; then
  exec "$bench" --build "$build" "$@"
fi

# Profile: the same signatures under callgrind, counting only inside the two
# functions that perform one signature each (tests/bench/suite/sign_bench.cpp).
ops=2000
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# Instructions per signature (valgrind --tool=callgrind, $ops signatures per side, 1 thread)"
echo
echo "| key | module | bare libcurl | module / bare |"
echo "|---|---|---|---|"
for key in P-256 Ed25519 RSA-2048; do
  valgrind --tool=callgrind --callgrind-out-file="$out/$key" \
    --toggle-collect=p11nethsm_bench_module_sign --toggle-collect=p11nethsm_bench_bare_sign \
    "$bench" --build "$build" --profile-ops "$ops" --key-types "$key" >"$out/$key.log" 2>&1
  # awk reads to the end: an early exit would kill callgrind_annotate with SIGPIPE,
  # which pipefail and set -e turn into the script's silent end.
  inclusive() {
    callgrind_annotate --inclusive=yes --auto=no "$out/$key" 2>/dev/null |
      awk -v f="$1" '!done && ($0 ~ f" " || $0 ~ f"\\[" || $0 ~ f"$") { gsub(",", "", $1); print $1; done = 1 }'
  }
  module=$(inclusive "p11nethsm_bench_module_sign")
  bare=$(inclusive "p11nethsm_bench_bare_sign")
  awk -v k="$key" -v m="$module" -v b="$bare" -v n="$ops" \
    'BEGIN { printf "| %s | %.0f | %.0f | %.3f |\n", k, m / n, b / n, m / b }'
done
