// p11nethsm benchmark (issue 11), run by scripts/bench.sh; not part of the test command.
//   bench_p11nethsm --build DIR [--seconds S] [--rounds N] [--threads 1,8,32,64]
//                   [--keys N] [--rss-signatures N] [--only sign,listing,cluster,rss]
//                   [--key-types P-256,Ed25519,RSA-2048] [--profile-ops N]
// Starts mock-nethsm processes from DIR, loads DIR/libnethsm_pkcs11.so and prints
// Markdown tables. Absolute numbers depend on the machine; the ratios are the figures.
#include <curl/curl.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <sstream>

#include "bench.hpp"
#include "runner.hpp"

namespace {

using p11nethsm::bench::BenchOptions;

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  return out;
}

bool parse(int argc, char** argv, BenchOptions& o, std::string& build) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--build")
      build = value;
    else if (flag == "--seconds")
      o.secondsPerRun = std::stod(value);
    else if (flag == "--rounds")
      o.rounds = static_cast<unsigned>(std::stoul(value));
    else if (flag == "--keys")
      o.listingKeys = std::stoul(value);
    else if (flag == "--rss-signatures")
      o.rssSignatures = std::stoul(value);
    else if (flag == "--only")
      o.sections = splitList(value);
    else if (flag == "--key-types")
      o.keyTypes = splitList(value);
    else if (flag == "--profile-ops")
      o.profileOps = std::stoul(value);
    else if (flag == "--threads") {
      o.threadCounts.clear();
      for (const auto& t : splitList(value)) o.threadCounts.push_back(std::stoul(t));
    } else {
      return false;
    }
  }
  return !build.empty() && (argc % 2) == 1 && !o.threadCounts.empty() && o.rounds > 0;
}

bool has(const BenchOptions& o, const char* section) {
  for (const auto& s : o.sections)
    if (s == section) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions o;
  std::string build;
  try {
    if (!parse(argc, argv, o, build)) throw std::invalid_argument("usage");
  } catch (const std::exception&) {
    std::fprintf(stderr,
                 "usage: bench_p11nethsm --build DIR [--seconds S] [--rounds N] "
                 "[--threads 1,8,32,64] [--keys N] [--rss-signatures N] "
                 "[--only sign,listing,cluster,rss] [--key-types P-256,Ed25519,RSA-2048]\n");
    return 2;
  }
  o.mockBinary = build + "/mock-nethsm";
  o.modulePath = build + "/libnethsm_pkcs11.so";
  o.workDir = build + "/bench-work";
  curl_global_init(CURL_GLOBAL_DEFAULT);
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::printf("# p11nethsm benchmark, %s\n\nmachine: %s; load average at start: %s\n", date,
              p11nethsm::bench::machineDescription().c_str(),
              p11nethsm::bench::loadAverage().c_str());
  std::printf(
      "Absolute numbers vary with the machine and its load; the ratios are the figures.\n"
      "mock-nethsm runs as its own process on 127.0.0.1 and shares the CPUs with the "
      "client under test.\n");
  bool ok = true;
  if (o.profileOps > 0) return p11nethsm::bench::runSignProfile(o) ? 0 : 1;
  if (has(o, "sign")) ok = p11nethsm::bench::runSignBench(o) && ok;
  if (has(o, "listing")) ok = p11nethsm::bench::runListingBench(o) && ok;
  if (has(o, "cluster")) ok = p11nethsm::bench::runClusterBench(o) && ok;
  if (has(o, "rss")) ok = p11nethsm::bench::runRssBench(o) && ok;
  std::printf("\n%s\n", ok ? "bench: done" : "bench: FAILED (see stderr)");
  return ok ? 0 : 1;
}
