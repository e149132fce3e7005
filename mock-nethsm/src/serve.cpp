#include "serve.hpp"

#include <ctime>
#include <mutex>
#include <thread>

#include "control.hpp"

namespace p11nethsm::mock {
namespace {

// RFC 7231 IMF-fixdate; the firmware sends Date on every answer.
std::string httpDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

void serveApi(const Router& router, InstanceState& state, Ctx& ctx,
              const ConnectionActions& actions) {
  const std::string path = ctx.req.path.substr(7);  // below /api/v1
  state.countEndpoint(router.endpointKey(ctx.req.method, path, ctx.core.fw));
  auto fault = state.faults.take(path);
  state.faults.applyLatency();
  std::unique_lock<std::mutex> serial(state.serialMutex, std::defer_lock);
  if (state.serial) {
    serial.lock();
    std::this_thread::sleep_for(state.serviceTime);
  }
  if (fault) {
    switch (fault->kind) {
      case FaultKind::kFailStatus:
        return ctx.empty(fault->status);
      case FaultKind::kReset:
        return actions.reset();
      case FaultKind::kStall:
        if (serial.owns_lock()) serial.unlock();
        return actions.stall();
      case FaultKind::kCloseAfterProcessing:
        break;
    }
  }
  router.dispatch(ctx, path);
  if (fault && fault->kind == FaultKind::kCloseAfterProcessing) actions.closeAfterProcessing();
}

}  // namespace

void serveRequest(SharedCore& core, const Router& router, InstanceState& state,
                  const httplib::Request& req, httplib::Response& res, std::string body,
                  std::vector<httplib::MultipartFormData> parts, const ConnectionActions& actions) {
  state.requests++;
  res.set_header("Date", httpDate());
  if (req.path.rfind("/_mock/", 0) == 0) {
    if (!isLoopback(req.remote_addr) || core.control == nullptr) {
      res.status = 403;
      return;
    }
    return handleControl(req, res, *core.control);
  }
  Ctx ctx{req, res, core, state, {}, {}, std::move(body), std::move(parts)};
  if (req.path.rfind("/api/v1/", 0) != 0) {
    state.countEndpoint(req.method + " <unknown>");
    return ctx.content(404, "Not found", "text/plain");
  }
  serveApi(router, state, ctx, actions);
  std::lock_guard<std::mutex> lock(core.statusMutex);
  core.statusCounts[res.status]++;
}

}  // namespace p11nethsm::mock
