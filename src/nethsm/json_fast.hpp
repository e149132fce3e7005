#pragma once
// Fast paths for the bodies of the crypto endpoints (sign, decrypt, encrypt), the
// module's most frequent requests. Building and parsing them with nlohmann/json cost
// about 27,000 instructions per signature, a fifth of the module's own cost of a
// signature (issue 11, measured with callgrind). Only forms that need no JSON
// machinery are handled here — names and values JSON carries verbatim, and the exact
// one-member object the firmware answers with; anything else goes to nlohmann/json,
// so the result never differs from it.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p11nethsm::nethsm::json_codec {

using PlainMembers = std::vector<std::pair<std::string_view, std::string_view>>;

// {"name":"value",...} in the given order. Names and values with a quote, backslash,
// control or non-ASCII character are serialized by nlohmann/json instead.
std::string plainObject(const PlainMembers& members);

// The value of `field` when `body` is exactly {"field":"<base64 text>"}; nullopt for
// any other form (whitespace, more members, escapes), which the caller then parses
// with nlohmann/json.
std::optional<std::string_view> canonicalBase64Member(std::string_view body,
                                                      std::string_view field);

}  // namespace p11nethsm::nethsm::json_codec
