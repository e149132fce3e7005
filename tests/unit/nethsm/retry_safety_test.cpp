// Key generation through the one retry loop, in fake time (issue 10 §5): the client
// sets the "did it take effect?" check (GET /keys/{id}) and the 429 policy on its
// requests; the cluster's loop decides. A key is never made twice, a lost answer is
// checked before anything is sent again, 429s are waited out within the same budget,
// and the worst case is (retries.count + 1) × timeout + retries.count × delay.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "nethsm/client.hpp"
#include "unit/transport/scripted_exchanger.hpp"

namespace p11nethsm::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class AdminCredentials final : public nethsm::CredentialSource {
 public:
  std::optional<nethsm::BasicAuth> credentialsFor(nethsm::Role role) const override {
    if (role == nethsm::Role::kOperator) return nethsm::BasicAuth{"operator", SecretString("op")};
    return nethsm::BasicAuth{"admin", SecretString("ad")};
  }
};

// A one-key appliance: what each POST /keys/generate does is scripted (commit or not,
// then answer, lose the answer or stall); GET /keys/{id} tells the truth. A refused
// connection, a 412 or a 429 never commits (nothing was processed), a 201 always does.
class KeyStore {
 public:
  struct Generate {
    bool commits;
    Step then;
  };
  explicit KeyStore(std::vector<Generate> plan) : plan_(std::move(plan)) {}

  Step operator()(size_t, const transport::Request& request) {
    if (request.method == transport::Method::kGet) {
      return Step::answer(keys_.count(request.path.substr(6)) ? 200 : 404, milliseconds(50));
    }
    const Generate g = plan_[std::min(next_++, plan_.size() - 1)];
    if (!committed_.empty()) ++sentAfterCommit;
    const std::string id = idIn(request.body);
    if (keys_.count(id)) return Step::answer(409);
    const bool answered = g.then.kind == Step::Kind::kAnswer;
    const bool processed = g.then.kind != Step::Kind::kRefused &&
                           !(answered && (g.then.status == 412 || g.then.status == 429));
    if (processed && (g.commits || (answered && g.then.status == 201))) {
      keys_.insert(id);
      committed_.push_back(id);
    }
    return g.then;
  }

  size_t keys() const { return keys_.size(); }
  unsigned sentAfterCommit = 0;  // generations sent although the key existed

 private:
  static std::string idIn(const std::string& body) {
    const auto at = body.find("\"id\":\"");
    if (at == std::string::npos) return {};
    const auto start = at + 6;
    return body.substr(start, body.find('"', start) - start);
  }
  std::vector<Generate> plan_;
  size_t next_ = 0;
  std::set<std::string> keys_;
  std::vector<std::string> committed_;
};

struct Appliance {
  Appliance(unsigned count, unsigned delay, unsigned timeout, std::vector<KeyStore::Generate> plan)
      : clock(std::make_shared<FakeClock>()), store(std::make_shared<KeyStore>(std::move(plan))) {
    slot.label = "fake";
    for (int i = 0; i < 2; ++i) {
      config::InstanceConfig instance;
      instance.url = "https://hsm" + std::to_string(i) + ".invalid/api/v1";
      slot.instances.push_back(instance);
    }
    slot.retries = {count, delay};
    slot.timeoutSeconds = timeout;
    exchanger = std::make_shared<ScriptedExchanger>(
        clock, [s = store](size_t i, const transport::Request& r) { return (*s)(i, r); });
    transport::ClusterOptions options;
    options.threadsAllowed = false;
    options.clock = clock;
    options.exchanger = exchanger;
    cluster = std::make_unique<transport::Cluster>(slot, options);
    client = std::make_unique<nethsm::Client>(*cluster, credentials);
  }

  Result<std::string> generate() {
    nethsm::GenerateKeyRequest request;
    request.type = nethsm::KeyType::kCurve25519;
    request.mechanisms = {nethsm::KeyMechanism::kEdDsaSignature};
    return client->generateKey(request);
  }
  size_t generates() const { return exchanger->count("POST /keys/generate"); }
  milliseconds bound() const {
    return seconds(slot.timeoutSeconds) * (slot.retries.count + 1) +
           seconds(slot.retries.delaySeconds) * slot.retries.count;
  }

  config::SlotConfig slot;
  std::shared_ptr<FakeClock> clock;
  std::shared_ptr<KeyStore> store;
  std::shared_ptr<ScriptedExchanger> exchanger;
  AdminCredentials credentials;
  std::unique_ptr<transport::Cluster> cluster;
  std::unique_ptr<nethsm::Client> client;
};

TEST(KeyGenerationRetries, LostAnswerOfACommittedKeyIsCheckedNotRepeated) {
  for (Step lost : {Step::dropped(), Step::answer(503), Step::stall()}) {
    SCOPED_TRACE(static_cast<int>(lost.kind));
    Appliance hsm(3, 0, 1, {{true, lost}, {true, Step::answer(201)}});
    auto id = hsm.generate();
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_EQ(id->size(), 20u);
    EXPECT_EQ(hsm.generates(), 1u);
    EXPECT_EQ(hsm.exchanger->count("GET /keys/" + *id), 1u);
    EXPECT_EQ(hsm.store->keys(), 1u);
  }
}

TEST(KeyGenerationRetries, LostRequestIsCheckedThenSentAgainOnce) {
  Appliance hsm(3, 1, 1, {{false, Step::dropped()}, {true, Step::answer(201)}});
  auto id = hsm.generate();
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(hsm.generates(), 2u);
  EXPECT_EQ(hsm.store->keys(), 1u);
  EXPECT_EQ(hsm.clock->sleeps(), std::vector<milliseconds>{seconds(1)});  // retries.delay
  const auto seen = hsm.exchanger->seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_NE(seen[0].instance, seen[2].instance) << "sent again to the other instance";
}

// Old code: each of count + 1 rounds could make count + 1 attempts, and a round's
// 429 waits came on top. Now: exactly the bound, count + 1 generations, and the last
// lost answer's check, finding no time left, leaves the failure standing.
TEST(KeyGenerationRetries, StallingApplianceCostsExactlyTheBound) {
  Appliance hsm(2, 1, 1, {{false, Step::stall()}});
  auto id = hsm.generate();
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, ErrorKind::kTransport);
  EXPECT_EQ(hsm.clock->elapsed(), hsm.bound());
  EXPECT_EQ(hsm.clock->elapsed(), seconds(5));
  EXPECT_EQ(hsm.generates(), 3u);
  EXPECT_EQ(hsm.store->keys(), 0u);
}

TEST(KeyGenerationRetries, ThrottledGenerationIsWaitedOutAndMadeOnce) {
  Step later = Step::answer(429);
  Appliance hsm(0, 0, 5, {{false, later}, {false, later}, {true, Step::answer(201)}});
  auto id = hsm.generate();
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(hsm.clock->sleeps(),
            (std::vector<milliseconds>{milliseconds(100), milliseconds(150)}));  // throttleWait
  EXPECT_EQ(hsm.generates(), 3u);
  EXPECT_EQ(hsm.store->keys(), 1u);
}

TEST(KeyGenerationRetries, ThrottleOutlastingTheBudgetIsRateLimited) {
  Appliance hsm(0, 0, 1, {{false, Step::answer(429)}});
  auto id = hsm.generate();
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, ErrorKind::kRateLimited);
  // 100 + 150 + 250 + 250 ms: one more 250 ms step would leave no time to send.
  EXPECT_EQ(hsm.clock->elapsed(), milliseconds(750));
  EXPECT_EQ(hsm.generates(), 5u);
}

// Any mix of commits, lost answers, 5xx, stalls, 412 and 429 on either instance: at
// most one key, no generation sent after one committed, never past the bound.
TEST(KeyGenerationRetries, NoMixMakesTwoKeysOrPassesTheBound) {
  std::mt19937 random(10);
  auto pick = [&](unsigned n) { return static_cast<unsigned>(random() % n); };
  const Step outcomes[] = {Step::dropped(milliseconds(300)),
                           Step::answer(503, milliseconds(200)),
                           Step::stall(),
                           Step::answer(412),
                           Step::answer(429),
                           Step::refused(),
                           Step::answer(201, milliseconds(100))};
  size_t succeeded = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<KeyStore::Generate> plan;
    for (int i = 0; i < 8; ++i) plan.push_back({pick(2) == 1, outcomes[pick(std::size(outcomes))]});
    Appliance hsm(pick(4), pick(2), 1 + pick(2), plan);
    auto id = hsm.generate();
    ASSERT_LE(hsm.store->keys(), 1u) << "round " << round;
    ASSERT_EQ(hsm.store->sentAfterCommit, 0u) << "round " << round;
    ASSERT_LE(hsm.clock->elapsed(), hsm.bound()) << "round " << round;
    if (id.ok()) {
      ASSERT_EQ(hsm.store->keys(), 1u) << "round " << round;
      ++succeeded;
    }
  }
  std::cout << "[ measured ] " << succeeded << " of 300 random mixes made their key\n";
}

}  // namespace
}  // namespace p11nethsm::testing
