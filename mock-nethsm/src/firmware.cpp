#include "firmware.hpp"

#include <cctype>

namespace p11nethsm::mock {

std::optional<Firmware> Firmware::parse(const std::string& text) {
  for (const char* v : {"2.2", "3.0", "3.1", "4.0", "5.0"}) {
    if (text == v) return Firmware{v[0] - '0', v[2] - '0'};
  }
  return std::nullopt;
}

bool validId(const std::string& id, const Firmware& fw) {
  if (id.empty() || id.size() > 128) return false;
  if (!std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id) {
    bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
    bool extra = fw.extendedIds() && (c == '_' || c == '.' || c == '-');
    if (!alnum && !extra) return false;
  }
  return true;
}

}  // namespace p11nethsm::mock
