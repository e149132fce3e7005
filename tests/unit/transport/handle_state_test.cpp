// A pooled handle's kept state (handle_state.hpp): the base URL parsed once and pointed
// at each request's path and query, and header lists built once per pair.
#include "transport/handle_state.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "transport/exchange.hpp"

namespace p11nethsm::transport {
namespace {

std::unique_ptr<HandleState> stateFor(const std::string& baseUrl) {
  auto created = HandleState::create(baseUrl);
  EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
  return created.ok() ? std::move(*created) : nullptr;
}

TEST(HandleState, EachRequestGoesToTheBasePathPlusItsOwnPathAndQuery) {
  auto state = stateFor("https://nethsm.example:8443/api/v1");
  ASSERT_NE(state, nullptr);
  ASSERT_TRUE(state->target("/keys/k1/sign").ok());
  EXPECT_EQ(state->url(), "https://nethsm.example:8443/api/v1/keys/k1/sign");
  ASSERT_TRUE(state->target("/keys?filter=a%20b&mechanism=EdDSA_Signature").ok());
  EXPECT_EQ(state->url(),
            "https://nethsm.example:8443/api/v1/keys?filter=a%20b&mechanism=EdDSA_Signature");
  // The query of one request does not stay for the next.
  ASSERT_TRUE(state->target("/info").ok());
  EXPECT_EQ(state->url(), "https://nethsm.example:8443/api/v1/info");
}

TEST(HandleState, BaseUrlWithoutPathOrWithTrailingSlash) {
  auto bare = stateFor("https://[::1]:8443");
  ASSERT_NE(bare, nullptr);
  ASSERT_TRUE(bare->target("/health/ready").ok());
  EXPECT_EQ(bare->url(), "https://[::1]:8443/health/ready");
  auto slash = stateFor("https://10.0.0.2/api/v1/");
  ASSERT_NE(slash, nullptr);
  ASSERT_TRUE(slash->target("/info").ok());
  EXPECT_EQ(slash->url(), "https://10.0.0.2/api/v1/info");
}

TEST(HandleState, UrlLibcurlRefusesIsAnError) {
  auto created = HandleState::create("https://exa mple:99999/");
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("not a URL"), std::string::npos);
}

std::vector<std::string> lines(const curl_slist* list) {
  std::vector<std::string> out;
  for (; list != nullptr; list = list->next) out.emplace_back(list->data);
  return out;
}

TEST(HandleState, HeaderListsAreBuiltOncePerPair) {
  auto state = stateFor("https://127.0.0.1:8443/api/v1");
  ASSERT_NE(state, nullptr);
  curl_slist* json = state->headers("application/json", "application/json");
  curl_slist* none = state->headers("", "");
  EXPECT_EQ(state->headers("application/json", "application/json"), json);  // kept
  EXPECT_NE(none, json);
  EXPECT_EQ(lines(json), (std::vector<std::string>{"Expect:", "Content-Type: application/json",
                                                   "Accept: application/json"}));
  EXPECT_EQ(lines(none), (std::vector<std::string>{"Expect:", "Content-Type:"}));
  EXPECT_EQ(lines(state->headers("application/octet-stream", "")),
            (std::vector<std::string>{"Expect:", "Content-Type: application/octet-stream"}));
}

// Every handle comes from a pool that attached its state; one that did not is refused
// before any byte is sent (so a retry elsewhere is safe), not sent to a stale URL.
TEST(HandleState, ExchangeOnAHandleWithoutItsStateFailsBeforeSending) {
  CURL* bare = curl_easy_init();
  ASSERT_NE(bare, nullptr);
  Request request;
  request.path = "/info";
  ExchangeLimits limits;
  limits.totalTimeoutMs = 1000;
  const ExchangeOutcome outcome =
      performExchange(bare, "https://127.0.0.1:9/api/v1", request, limits);
  curl_easy_cleanup(bare);
  ASSERT_FALSE(outcome.result.ok());
  EXPECT_EQ(outcome.result.error().kind, ErrorKind::kInternal);
  EXPECT_NE(outcome.result.error().message.find("without its state"), std::string::npos);
  EXPECT_TRUE(outcome.neverSent);
}

}  // namespace
}  // namespace p11nethsm::transport
