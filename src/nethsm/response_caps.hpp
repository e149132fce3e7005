#pragma once
// The largest answer body the client reads per endpoint (issue 12 §1): past it the
// transfer is aborted (transport/exchange.cpp), so a broken or hostile appliance costs
// at most the cap in memory. One table, named by the operation strings the client
// uses in its messages; sizes from BEHAVIOUR.md and the API: JSON descriptions are
// small, a certificate is at most 1 MiB (§5), a signature at most the largest RSA
// modulus the module accepts (16384 bits, mech/public_key.cpp), random at most 1024
// bytes (§8). Decrypt and encrypt answers are as long as their input.
#include <cstddef>
#include <string_view>

namespace p11nethsm::nethsm {

struct AnswerCap {
  std::string_view operation;  // e.g. "POST /keys/{id}/sign"
  size_t bytes;
};

inline constexpr size_t kKiB = 1024;
inline constexpr size_t kMiB = 1024 * kKiB;

inline constexpr AnswerCap kAnswerCaps[] = {
    {"GET /info", 16 * kKiB},
    {"GET /health/state", 16 * kKiB},
    {"GET /system/info", 64 * kKiB},
    {"GET /users/{id}", 16 * kKiB},
    {"POST /users/{id}/passphrase", 16 * kKiB},
    // ≈ 140 bytes per 128-character ID: some 60,000 keys; real appliances hold far fewer.
    {"GET /keys", 8 * kMiB},
    {"GET /keys?label=", 8 * kMiB},
    {"GET /keys/{id}", 64 * kKiB},  // an 8192-bit modulus is 1.4 KiB of base64
    {"GET /keys/{id}/public.pem", 64 * kKiB},
    {"GET /keys/{id}/cert", 1 * kMiB},
    {"POST /keys/{id}/sign", 16 * kKiB},  // 2 KiB signature → 2.7 KiB of base64
    {"POST /random", 4 * kKiB},           // 1024 bytes → 1368 characters
};

// Every other endpoint (key changes, whose answers are empty or {"id":...}).
inline constexpr size_t kDefaultAnswerCap = 16 * kKiB;

constexpr size_t answerCap(std::string_view operation) {
  for (const auto& cap : kAnswerCaps)
    if (cap.operation == operation) return cap.bytes;
  return kDefaultAnswerCap;
}

// POST /keys/{id}/decrypt and /encrypt: base64 of the input's length (the output is
// never longer) plus the JSON around it and an IV.
constexpr size_t cryptAnswerCap(size_t inputBytes) { return (inputBytes + 2) / 3 * 4 + 4 * kKiB; }

}  // namespace p11nethsm::nethsm
