// Issue 14 §2: a call's independent block requests go out in parallel with bounded
// concurrency, on the caller's thread plus a few workers, never one thread per block;
// after a failure nothing new is sent; without module threads everything runs inline.
#include "mech/bounded_parallel.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "mech/aes_block.hpp"
#include "mech/ossl.hpp"

namespace p11nethsm::mech::test {
namespace {

// An appliance whose encrypt requests wait until `workers` are in flight at once
// (bounded by a deadline, so a serial runner fails instead of hanging), and that
// records which threads called it.
class GatedAppliance final : public Appliance {
 public:
  GatedAppliance(size_t workers, size_t failAt) : workers_(workers), failAt_(failAt) {}

  Result<Bytes> encryptAesCbc(const std::string&, const Bytes& message, const Bytes&) override {
    std::unique_lock lock(mutex_);
    size_t index = calls_++;
    threads_.insert(std::this_thread::get_id());
    maxInFlight_ = std::max(maxInFlight_, ++inFlight_);
    if (inFlight_ == workers_) reached_ = true;
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(5), [&] { return reached_; });
    --inFlight_;
    if (index == failAt_) return makeError(ErrorKind::kTransport, "instance down");
    Bytes out = message;
    for (auto& b : out) b ^= 0x5a;
    return out;
  }
  Result<Bytes> sign(const std::string&, nethsm::SignMode, const Bytes&) override {
    return makeError(ErrorKind::kUnsupported, "no");
  }
  Result<Bytes> decrypt(const std::string&, nethsm::DecryptMode, const Bytes&,
                        const std::optional<Bytes>&) override {
    return makeError(ErrorKind::kUnsupported, "no");
  }
  size_t parallelRequests() const override { return workers_; }

  size_t calls() const {
    std::lock_guard l(mutex_);
    return calls_;
  }
  size_t maxInFlight() const {
    std::lock_guard l(mutex_);
    return maxInFlight_;
  }
  size_t threads() const {
    std::lock_guard l(mutex_);
    return threads_.size();
  }
  bool sawThread(std::thread::id id) const {
    std::lock_guard l(mutex_);
    return threads_.count(id) > 0;
  }

 private:
  const size_t workers_, failAt_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  size_t calls_ = 0, inFlight_ = 0, maxInFlight_ = 0;
  bool reached_ = false;
  std::set<std::thread::id> threads_;
};

constexpr size_t kNoFailure = ~size_t{0};

TEST(BoundedParallel, BlocksGoOutFourAtATimeOnFourThreads) {
  auto appliance = std::make_shared<GatedAppliance>(kBlockRequestWorkers, kNoFailure);
  AesBlockCipher cipher(appliance, "k");
  std::vector<AesBlock> blocks(40);
  for (size_t i = 0; i < blocks.size(); ++i) blocks[i][0] = static_cast<uint8_t>(i);
  auto out = cipher.encrypt(blocks);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->size(), 40U);
  for (size_t i = 0; i < out->size(); ++i)
    EXPECT_EQ((*out)[i][0], static_cast<uint8_t>(i ^ 0x5a)) << i;
  EXPECT_EQ(appliance->calls(), 40U);
  EXPECT_EQ(appliance->maxInFlight(), kBlockRequestWorkers);
  EXPECT_EQ(appliance->threads(), kBlockRequestWorkers);          // not one per block
  EXPECT_TRUE(appliance->sawThread(std::this_thread::get_id()));  // the caller works too
}

TEST(BoundedParallel, OneWorkerRunsInlineOnTheCallersThread) {
  auto appliance = std::make_shared<GatedAppliance>(1, kNoFailure);
  AesBlockCipher cipher(appliance, "k");
  ASSERT_TRUE(cipher.encrypt(std::vector<AesBlock>(10)));
  EXPECT_EQ(appliance->maxInFlight(), 1U);
  EXPECT_EQ(appliance->threads(), 1U);
  EXPECT_TRUE(appliance->sawThread(std::this_thread::get_id()));
}

TEST(BoundedParallel, NothingNewIsSentAfterAFailure) {
  auto appliance = std::make_shared<GatedAppliance>(1, 3);
  AesBlockCipher cipher(appliance, "k");
  auto out = cipher.encrypt(std::vector<AesBlock>(50));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kTransport);
  EXPECT_EQ(appliance->calls(), 4U);
  // In parallel the failure is returned too; how many requests the other workers
  // start before they see it depends on scheduling.
  auto parallel = std::make_shared<GatedAppliance>(kBlockRequestWorkers, 0);
  AesBlockCipher cipher4(parallel, "k");
  auto failed = cipher4.encrypt(std::vector<AesBlock>(50));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, ErrorKind::kTransport);
}

TEST(BoundedParallel, ThrowingTaskIsAnErrorNotACrash) {
  auto s = runBounded(8, 4, [](size_t i) -> Status {
    if (i == 5) throw std::runtime_error("boom");
    return okStatus();
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().pkcs11Rv, CKR_GENERAL_ERROR);
  EXPECT_TRUE(runBounded(0, 4, [](size_t) -> Status { return okStatus(); }));
}

}  // namespace
}  // namespace p11nethsm::mech::test
