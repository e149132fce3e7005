// mock-nethsm command line (issue 2 §4, extended by issue 3; README.md):
//   mock-nethsm --port N [--bind ADDR] [--state FILE] [--tls-cert FILE --tls-key FILE]
//               [--firmware V] [--instances N] [--workers N] [--max-workers N] [--serial]
//               [--service-time MS] [--latency MS] [--latency-random MS]
//               [--fault KIND:REGEX[:COUNT[:STATUS]]]...
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "faults.hpp"
#include "mock_nethsm/mock.hpp"

using p11nethsm::mock::FaultRule;
using p11nethsm::mock::MockNetHsm;
using p11nethsm::mock::MockOptions;

namespace {

int usage() {
  std::cerr
      << "usage: mock-nethsm --port N [--bind ADDR] [--state FILE] [--tls-cert FILE --tls-key "
         "FILE]\n"
         "                   [--firmware 2.2|3.0|3.1|4.0|5.0] [--instances N] [--workers N] "
         "[--max-workers N]\n"
         "                   [--serial] [--service-time MS] [--latency MS] [--latency-random MS]\n"
         "                   [--fault status|reset|stall|close:PATH_REGEX[:COUNT[:STATUS]]]\n";
  return 2;
}

bool parseFault(const std::string& spec, FaultRule& rule) {
  std::vector<std::string> f;
  size_t start = 0;
  while (true) {
    size_t c = spec.find(':', start);
    f.push_back(spec.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) break;
    start = c + 1;
  }
  auto kind = p11nethsm::mock::parseFaultKind(f[0]);
  if (!kind || f.size() > 4) return false;
  rule.kind = *kind;
  rule.pathRegex = f.size() > 1 ? f[1] : "";
  try {
    rule.count = f.size() > 2 && !f[2].empty() ? std::stoi(f[2]) : -1;
    rule.status = f.size() > 3 ? std::stoi(f[3]) : 503;
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

struct Cli {
  MockOptions options;
  std::vector<FaultRule> faults;
  long latency = 0, latencyRandom = 0;
  bool portGiven = false;
};

bool parseArgs(int argc, char** argv, Cli& cli) {
  MockOptions& o = cli.options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--serial") {
      o.serial = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    try {
      if (a == "--port") {
        o.port = std::stoi(v);
        cli.portGiven = true;
      } else if (a == "--bind")
        o.bindAddress = v;
      else if (a == "--state")
        o.stateFile = v;
      else if (a == "--tls-cert")
        o.tlsCertFile = v;
      else if (a == "--tls-key")
        o.tlsKeyFile = v;
      else if (a == "--firmware")
        o.firmware = v;
      else if (a == "--instances")
        o.instances = std::stoi(v);
      else if (a == "--workers")
        o.workerThreads = std::stoi(v);
      else if (a == "--max-workers")
        o.maxWorkerThreads = std::stoi(v);
      else if (a == "--service-time")
        o.serviceTime = std::chrono::milliseconds(std::stol(v));
      else if (a == "--latency")
        cli.latency = std::stol(v);
      else if (a == "--latency-random")
        cli.latencyRandom = std::stol(v);
      else if (a == "--fault") {
        FaultRule rule;
        if (!parseFault(v, rule)) return false;
        cli.faults.push_back(rule);
      } else {
        return false;
      }
    } catch (const std::exception&) {
      return false;
    }
  }
  return cli.portGiven && o.tlsCertFile.empty() == o.tlsKeyFile.empty() && o.instances >= 1;
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  if (!parseArgs(argc, argv, cli)) return usage();
  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  MockNetHsm mock(cli.options);
  if (!mock.start()) return 1;
  for (size_t i = 0; i < mock.instanceCount(); ++i) {
    for (const auto& rule : cli.faults) mock.addFault(i, rule);
    mock.setLatency(i, std::chrono::milliseconds(cli.latency),
                    std::chrono::milliseconds(cli.latencyRandom));
    std::string url = mock.baseUrl(i);
    url = url.substr(0, url.size() - 7);  // without /api/v1
    std::printf("listening %s sha256=%s\n", url.c_str(), mock.certificateFingerprint(i).c_str());
  }
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stopSignals, &sig);
  mock.stop();
  return 0;
}
