#pragma once
// The benchmark sections (bench_main.cpp runs them in order) and what they share.
#include <cstdio>
#include <string>
#include <vector>

namespace p11nethsm::bench {

struct BenchOptions {
  std::string mockBinary;      // <build>/mock-nethsm
  std::string modulePath;      // <build>/libnethsm_pkcs11.so
  std::string workDir;         // state files
  double secondsPerRun = 0.5;  // one module or bare run of the signing table
  unsigned rounds = 8;         // alternating module/bare rounds per cell
  std::vector<size_t> threadCounts{1, 8, 32, 64};
  size_t listingKeys = 10000;
  unsigned long rssSignatures = 520000;
  std::vector<std::string> sections{"sign", "listing", "cluster", "rss"};
  std::vector<std::string> keyTypes{"P-256", "Ed25519", "RSA-2048"};  // signing table rows
  unsigned long profileOps = 0;  // > 0: only the callgrind profile run (scripts/bench.sh --profile)
};

// Each prints its table to stdout and returns false when a run could not be made
// (mock or module failed), which makes the command exit non-zero.
bool runSignBench(const BenchOptions& options);
// `profileOps` signatures per key type on one thread through p11nethsm_bench_module_sign,
// then as many through p11nethsm_bench_bare_sign: callgrind's --toggle-collect on those
// two names counts the instructions of each side (scripts/bench.sh --profile).
bool runSignProfile(const BenchOptions& options);
bool runListingBench(const BenchOptions& options);
bool runClusterBench(const BenchOptions& options);
bool runRssBench(const BenchOptions& options);

// "goal met" marks in the tables.
inline const char* verdict(bool met) { return met ? "yes" : "NO"; }

}  // namespace p11nethsm::bench
