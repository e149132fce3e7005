// p11nethsm-check: diagnoses the p11nethsm configuration of this host (README
// "Troubleshooting"). Exit status: 0 every slot usable, 1 a slot unusable or the
// configuration refused, 2 wrong usage.
#include <curl/curl.h>

#include <cstdio>
#include <cstring>

#include "check/check.hpp"
#include "log/log.hpp"

namespace {

constexpr const char* kUsage =
    "usage: p11nethsm-check [--no-prompt]\n"
    "Reads the p11nethsm configuration exactly as libnethsm_pkcs11.so does\n"
    "(P11NETHSM_CONFIG_FILE, else /etc/nitrokey, /usr/local/etc/nitrokey and\n"
    "$HOME/.config/nitrokey merged) and checks every slot and instance.\n"
    "  --no-prompt  do not ask for passwords missing from the configuration\n"
    "               (their logins are then not checked); for scripts\n";

}  // namespace

int main(int argc, char** argv) {
  p11nethsm::check::CheckOptions options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-prompt") == 0) {
      options.askPasswords = false;
    } else {
      const bool help = std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0;
      std::fputs(kUsage, help ? stdout : stderr);
      return help ? 0 : 2;
    }
  }
  // The report says everything; the layers' own log lines stay off unless
  // P11NETHSM_LOG_LEVEL asks for them (then on stderr).
  p11nethsm::log::Options quiet;
  quiet.level = p11nethsm::log::Level::kOff;
  quiet.file.emplace(1, '-');  // stderr; `= "-"` trips GCC 12 -Wrestrict (bug 105329)
  p11nethsm::log::configure(quiet);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const int status = p11nethsm::check::runCheck(options);
  p11nethsm::log::shutdown();
  curl_global_cleanup();
  return status;
}
