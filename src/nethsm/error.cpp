#include "nethsm/error.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "util/encoding.hpp"

namespace p11nethsm::nethsm {

namespace {

// Handler errors carry {"message": "..."} (BEHAVIOUR.md §4); webmachine's own 401,
// 403, 404, ... have an empty body. The message never contains request secrets.
std::string applianceMessage(const transport::Response& response) {
  if (response.body.empty() || response.body.size() > 4096) return {};
  auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return {};
  auto it = json.find("message");
  if (it == json.end() || !it->is_string()) return {};
  return printableExcerpt(it->get<std::string>(), 200);  // one log line, whatever it sent
}

}  // namespace

ErrorKind errorKindForStatus(long status) {
  switch (status) {
    case 400:
      return ErrorKind::kBadRequest;
    case 401:
      return ErrorKind::kUnauthorized;
    case 403:
      return ErrorKind::kForbidden;
    case 404:
      return ErrorKind::kNotFound;
    case 409:
      return ErrorKind::kConflict;
    case 412:
      return ErrorKind::kNotOperational;
    case 413:  // body too large: the caller's data cannot be sent
    case 414:
      return ErrorKind::kInvalidArgument;
    case 429:
      return ErrorKind::kRateLimited;
    case 405:  // method, Accept or Content-Type the appliance does not take:
    case 406:  // a defect of this client, not of the caller
    case 415:
      return ErrorKind::kInternal;
    default:
      return ErrorKind::kServerError;  // 5xx, or a status the API never documents
  }
}

Error mapFailure(const Result<transport::Response>& outcome, std::string_view operation) {
  if (!outcome) {
    Error error = outcome.error();
    error.message = std::string(operation) + ": " + error.message;
    return error;
  }
  const long status = outcome->status;
  std::string message = std::string(operation) + ": HTTP " + std::to_string(status);
  const std::string detail = applianceMessage(*outcome);
  if (!detail.empty()) message += " (" + detail + ")";
  return makeError(errorKindForStatus(status), message, static_cast<int>(status));
}

}  // namespace p11nethsm::nethsm
