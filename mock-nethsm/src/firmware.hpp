#pragma once
// Firmware version the mock emulates (--firmware): 2.2, 3.0, 3.1, 4.0 (default), 5.0.
// BEHAVIOUR.md §9 lists what changed per version.
#include <optional>
#include <string>

namespace p11nethsm::mock {

struct Firmware {
  int major = 4;
  int minor = 0;

  static std::optional<Firmware> parse(const std::string& text);
  std::string text() const { return std::to_string(major) + "." + std::to_string(minor); }
  bool atLeast(int maj, int min) const { return major > maj || (major == maj && minor >= min); }

  // v3.0+: IDs may contain '_', '-', '.'; before only alphanumerics.
  bool extendedIds() const { return atLeast(3, 0); }
  // v3.0 only: PKCS1 takes a bare hash and the server adds the DigestInfo.
  bool pkcs1AddsDigestInfo() const { return major == 3 && minor == 0; }
  bool hasLabels() const { return atLeast(5, 0); }
  bool hasMoveAndPrefix() const { return atLeast(3, 0); }
};

// ID syntax of BEHAVIOUR.md §2 for the given firmware; 1–128 characters.
bool validId(const std::string& id, const Firmware& fw);

}  // namespace p11nethsm::mock
