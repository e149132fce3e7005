// AES-GCM on mock-nethsm through createOperation, the entry point core uses (issue 14):
// requests per 64-byte seal counted by the mock, a failing request mid-call, and
// benchmark lines (printed, not asserted) for the seal with and without parallel
// requests, with and without network latency.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>

#include "mech/aes_block.hpp"
#include "mech/registry.hpp"
#include "mock_environment.hpp"
#include "unit/mech/aes_reference.hpp"

namespace p11nethsm::mech::test {
namespace {

constexpr const char* kEncrypt = "POST /keys/{id}/encrypt";

Bytes random(size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

Result<Bytes> seal(const KeyView& key, const Bytes& plain, bool threads) {
  GcmMechanism m(random(12), {}, 16);
  auto op = createOperation(OperationKind::kEncrypt, m.mechanism, key, mockClient(),
                            nethsm::capabilitiesOf({4, 0}), threads);
  if (!op) return op.error();
  return (*op)->single(plain);
}

struct SealCost {
  double ms;
  uint64_t encrypts;
  uint64_t handshakes;
};

SealCost timeSeals(const KeyView& key, size_t bytes, int rounds, bool threads) {
  Bytes plain = random(bytes);
  EXPECT_TRUE(seal(key, plain, threads));  // warm the connections up
  uint64_t before = mockServer().endpointCount(0, kEncrypt);
  uint64_t handshakes = mockServer().counters().tlsHandshakes;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) EXPECT_TRUE(seal(key, plain, threads));
  std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  return {took.count() / rounds, (mockServer().endpointCount(0, kEncrypt) - before) / rounds,
          mockServer().counters().tlsHandshakes - handshakes};
}

void report(const char* what, size_t bytes, int rounds, const SealCost& c) {
  std::printf(
      "BENCH aes-gcm seal %zu B %s: %.2f ms per seal, %llu encrypt requests per seal, "
      "%llu TLS handshakes in %d seals\n",
      bytes, what, c.ms, static_cast<unsigned long long>(c.encrypts),
      static_cast<unsigned long long>(c.handshakes), rounds);
}

TEST(AesGcmOnMock, SixtyFourByteSealCostsSixEncryptRequests) {
  KeyView key = knownAesKey(random(32));
  SealCost parallel = timeSeals(key, 64, 100, true);
  SealCost serial = timeSeals(key, 64, 100, false);
  EXPECT_EQ(parallel.encrypts, 6U);  // H, E(J0), 4 counter blocks
  EXPECT_EQ(serial.encrypts, 6U);
  report("4 parallel requests", 64, 100, parallel);
  report("1 request at a time", 64, 100, serial);
  mockServer().setLatency(0, std::chrono::milliseconds(5));
  report("4 parallel, +5 ms latency", 64, 10, timeSeals(key, 64, 10, true));
  report("serial, +5 ms latency", 64, 10, timeSeals(key, 64, 10, false));
  mockServer().setLatency(0, std::chrono::milliseconds(0));
  report("4 parallel requests", 65536, 1, timeSeals(key, 65536, 1, true));
}

TEST(AesGcmOnMock, AFailedRequestMidCallFailsTheCallWithoutOutput) {
  KeyView key = knownAesKey(random(16));
  mock::FaultRule rule;
  rule.kind = mock::FaultKind::kFailStatus;
  rule.pathRegex = "/keys/.*/encrypt";
  rule.count = 1;
  rule.status = 503;
  mockServer().addFault(0, rule);
  auto failed = seal(key, random(200), true);
  mockServer().clearFaults(0);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, ErrorKind::kServerError);
  EXPECT_TRUE(seal(key, random(200), true));  // the next call is unaffected
}

}  // namespace
}  // namespace p11nethsm::mech::test
