#pragma once
// The one path every request takes, whoever carries it: the HTTPS Instance
// (instance.cpp) or the in-process entry point (in_process.cpp, unit tests without a
// socket). Counters, Date, the /_mock control interface, 404 outside /api/v1, then
// below /api/v1: endpoint counter → fault rule → latency → serial mode → the router's
// order of checks (router.hpp). What a fault does to the connection is the carrier's.
#include <httplib.h>

#include <functional>
#include <string>
#include <vector>

#include "api_context.hpp"
#include "router.hpp"

namespace p11nethsm::mock {

// Connection-level fault actions (FaultKind), done by the carrier of the request.
struct ConnectionActions {
  std::function<void()> reset;                 // kReset: no answer, the connection reset
  std::function<void()> stall;                 // kStall: no answer until the rules clear
  std::function<void()> closeAfterProcessing;  // kCloseAfterProcessing: answer lost
};

void serveRequest(SharedCore& core, const Router& router, InstanceState& state,
                  const httplib::Request& req, httplib::Response& res, std::string body,
                  std::vector<httplib::MultipartFormData> parts, const ConnectionActions& actions);

}  // namespace p11nethsm::mock
