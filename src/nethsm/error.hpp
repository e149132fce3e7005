#pragma once
// The one place where an appliance answer or a transport failure becomes an
// ErrorKind (BEHAVIOUR.md §4 status codes). core maps ErrorKind to CK_RV.
#include <string_view>

#include "transport/http.hpp"
#include "util/result.hpp"

namespace p11nethsm::nethsm {

// HTTP status of a failed NetHSM call → kind (the transport outcome is kTransport).
ErrorKind errorKindForStatus(long status);

// `outcome` is what the cluster returned for a call whose status was not one of the
// expected ones: a transport error keeps its kind and message; an HTTP answer is
// mapped by status and carries the appliance's {"message"} when it sent one.
// `operation` names the call, e.g. "POST /keys/{id}/sign".
Error mapFailure(const Result<transport::Response>& outcome, std::string_view operation);

}  // namespace p11nethsm::nethsm
