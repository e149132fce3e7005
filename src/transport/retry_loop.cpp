// The one retry loop of a request: Cluster::send (issue 10 §5; docs/transport.md
// "Cluster routing and retries" and "Worst-case time of one call"). Everything that
// sends a request again lives here, under one budget: failed attempts and their
// retries.delay_seconds, the waits for a throttled answer (429), the "did it take
// effect?" check of a key change whose answer was lost, and the inline health probes.
// Time is read and spent only through the cluster's clock (util/clock.hpp), so unit
// tests drive all of it in fake time.
#include <algorithm>
#include <optional>
#include <string>

#include "log/log.hpp"
#include "transport/cluster_impl.hpp"
#include "transport/process_guard.hpp"

namespace p11nethsm::transport {

namespace {

using TimePoint = Clock::time_point;

// A "later" answer is waited at least this long, so no policy can make the loop spin.
constexpr Millis kMinimumLaterWait{1};

// The time limit of the send() whose tookEffect check runs on this thread: the
// check's own requests end within it. A raw pointer: trivially destructible, nothing
// to outlive dlclose.
thread_local const TimePoint* tEnclosingLimit = nullptr;

class HostClock final : public p11nethsm::Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  bool sleepFor(Millis duration) override { return sleepUnlessAborted(duration); }
};

// Statuses after which a request goes to the next instance. 412 is answered before
// the request is processed (BEHAVIOUR.md §3: the state check runs first), so even a
// key generation may move on; a 5xx may come after processing, so only kSafe ones.
bool retryableStatus(long status, Idempotency idempotency) {
  if (status == 412) return true;
  if (idempotency != Idempotency::kSafe) return false;
  return status == 500 || status == 502 || status == 503 || status == 504;
}

std::string pathOf(const Request& request) {
  return request.path.substr(0, request.path.find('?'));
}

enum class Verdict {
  kAnswer,        // the outcome stands
  kFailed,        // a failed attempt: the next one, if attempts and time are left
  kMaybeApplied,  // kUnsafe, ambiguous: check, send again only if it did not apply
  kRefusedAfter,  // kUnsafe, a clear refusal after an ambiguous attempt: check
};

}  // namespace

// One send()'s loop (a friend of Cluster, for its Impl).
class RetryLoop {
 public:
  RetryLoop(Cluster::Impl& d, const Request& request);
  Result<Response> run();

 private:
  Verdict judge(const Result<Response>& outcome, bool neverSent) const;
  long millisLeft() const;
  // Waits `wait` when the time left holds it and an attempt after it; false if not,
  // or if the host's exit cut the wait short.
  bool pause(Millis wait);
  bool waitOutThrottle(const Response& answer, Millis wait);
  // The loop's end (a confirmed Response, or `outcome` standing) or nullopt: send again.
  std::optional<Result<Response>> checkEffect(Result<Response>& outcome, bool refusal);
  Result<bool> runCheck();

  Cluster::Impl& d_;
  const Request& request_;
  p11nethsm::Clock& clock_;
  CallState alone_;  // outside a PKCS#11 call
  CallState& call_;
  const Clock::duration bound_;
  TimePoint limit_;  // start + bound_, never past an enclosing send()'s limit
  unsigned probeBudget_ = kInlineProbesPerCall;
  unsigned waits_ = 0;  // throttle waits so far
  Millis waited_{0};
  bool earlierAmbiguous_ = false;
  std::optional<size_t> previous_;  // the instance of the last attempt
};

RetryLoop::RetryLoop(Cluster::Impl& d, const Request& request)
    : d_(d),
      request_(request),
      clock_(*d.options.clock),
      call_(CallScope::current() != nullptr ? *CallScope::current() : alone_),
      bound_(d.callBound()) {
  const TimePoint now = clock_.now();
  call_.begin(now, bound_);
  limit_ = now + bound_;
  if (tEnclosingLimit != nullptr) limit_ = std::min(limit_, *tEnclosingLimit);
}

long RetryLoop::millisLeft() const {
  const TimePoint end = std::min(call_.deadline(), limit_);
  return static_cast<long>(std::chrono::duration_cast<Millis>(end - clock_.now()).count());
}

bool RetryLoop::pause(Millis wait) {
  if (wait.count() >= millisLeft()) return false;  // no time for an attempt after it
  // The host's exit or unload ends the wait and the call (process_guard.hpp).
  return wait.count() <= 0 || clock_.sleepFor(wait);
}

Verdict RetryLoop::judge(const Result<Response>& outcome, bool neverSent) const {
  const bool unsafe = request_.idempotency == Idempotency::kUnsafe;
  const bool checkable = unsafe && request_.tookEffect;
  if (!outcome) {
    // The request may have reached the appliance: only a kSafe one is repeated
    // blindly; a kUnsafe one only after its check says it did not apply.
    if (!unsafe || neverSent) return Verdict::kFailed;
    return checkable ? Verdict::kMaybeApplied : Verdict::kAnswer;
  }
  const long status = outcome->status;
  if (retryableStatus(status, request_.idempotency)) return Verdict::kFailed;
  if (checkable && status >= 500) return Verdict::kMaybeApplied;
  // "Exists" or "not found" after an ambiguous attempt may be that attempt showing.
  if (checkable && earlierAmbiguous_ && status >= 400) return Verdict::kRefusedAfter;
  return Verdict::kAnswer;
}

bool RetryLoop::waitOutThrottle(const Response& answer, Millis wait) {
  if (!pause(wait)) {
    log::warn(pathOf(request_) + ": still HTTP " + std::to_string(answer.status) + " after " +
              std::to_string(waited_.count()) + " ms of waits; the call's bound is spent");
    return false;
  }
  ++waits_;
  waited_ += wait;
  return true;
}

Result<bool> RetryLoop::runCheck() {
  struct Enclose {  // the check's requests end within this send's limit
    explicit Enclose(const TimePoint* limit) : outer(tEnclosingLimit) { tEnclosingLimit = limit; }
    ~Enclose() { tEnclosingLimit = outer; }
    const TimePoint* outer;
  };
  const TimePoint limit = std::min(limit_, call_.deadline());
  Enclose enclose(&limit);
  return request_.tookEffect();
}

std::optional<Result<Response>> RetryLoop::checkEffect(Result<Response>& outcome, bool refusal) {
  Result<bool> done = runCheck();
  if (done && *done) {
    log::info(pathOf(request_) + ": took effect despite a lost answer; not repeated");
    Response confirmed;
    confirmed.confirmed = true;
    confirmed.instanceIndex = previous_.value_or(0);
    return Result<Response>(std::move(confirmed));
  }
  if (!done || refusal) return std::move(outcome);
  log::warn(pathOf(request_) + ": no effect after an ambiguous failure; may be sent again");
  earlierAmbiguous_ = true;
  return std::nullopt;
}

Result<Response> RetryLoop::run() {
  const unsigned attempts = d_.slot.retries.count + 1;
  unsigned failures = 0;
  std::optional<Result<Response>> last;
  for (;;) {
    if (!d_.threadRunning()) d_.inlineProbes(probeBudget_, [this] { return millisLeft(); });
    long timeoutMs = request_.timeoutMs != 0 ? static_cast<long>(request_.timeoutMs)
                                             : millisOf(d_.slot.timeoutSeconds);
    timeoutMs = std::min(timeoutMs, millisLeft());
    if (timeoutMs <= 0) break;
    const size_t instance = d_.pickInstance(previous_);
    previous_ = instance;
    bool neverSent = false;
    Result<Response> outcome = d_.attempt(instance, request_, timeoutMs, neverSent);
    if (outcome) call_.answered(clock_.now(), bound_);
    if (outcome && request_.retryLater != nullptr) {
      if (auto wait = request_.retryLater(*outcome, waits_)) {  // not processed: later
        if (!waitOutThrottle(*outcome, std::max(*wait, kMinimumLaterWait))) return outcome;
        last.emplace(std::move(outcome));
        previous_.reset();  // a fresh choice of instance, as for a new request
        continue;
      }
    }
    const Verdict verdict = judge(outcome, neverSent);
    if (verdict == Verdict::kAnswer) return outcome;
    if (verdict != Verdict::kFailed) {
      if (auto end = checkEffect(outcome, verdict == Verdict::kRefusedAfter)) return *end;
    }
    last.emplace(std::move(outcome));
    if (++failures >= attempts) break;
    d_.retries.fetch_add(1);
    if (!pause(Millis(millisOf(d_.slot.retries.delaySeconds)))) break;
  }
  if (last) return std::move(*last);
  return makeError(ErrorKind::kTransport,
                   "no time left for " + pathOf(request_) + " within this call's bound");
}

std::shared_ptr<p11nethsm::Clock> hostClock() { return std::make_shared<HostClock>(); }

Clock::duration Cluster::Impl::callBound() const {
  const auto& r = slot.retries;
  return std::chrono::seconds(slot.timeoutSeconds) * (r.count + 1) +
         std::chrono::seconds(r.delaySeconds) * r.count;
}

// Bounded as documented in cluster.hpp: every attempt, delay, throttle wait, check and
// inline probe fits in this request's budget and in the deadline of the PKCS#11 call
// it serves (util/call_deadline.hpp), shared with the call's other requests.
Result<Response> Cluster::send(const Request& request) {
  Impl& d = *impl_;
  d.requests.fetch_add(1);
  if (d.pools.empty()) return makeError(ErrorKind::kConfig, "slot has no instances");
  RetryLoop loop(d, request);
  return loop.run();
}

}  // namespace p11nethsm::transport
