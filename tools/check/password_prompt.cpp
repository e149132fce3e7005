#include "check/password_prompt.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

namespace p11nethsm::check {

namespace {

constexpr size_t kMaxPassword = 4096;

// Shows `prompt` and reads one line from `fd` into a zeroized buffer; the terminal echo
// is off meanwhile and restored afterwards. Echo goes off (discarding stale input)
// BEFORE the prompt shows: a password typed as soon as the prompt appears must not be
// discarded by a later TCSAFLUSH (it was, under load, and the command then waited
// forever for a line already typed).
std::optional<SecretString> readHidden(int fd, const std::string& prompt) {
  termios saved{};
  if (::tcgetattr(fd, &saved) != 0) return std::nullopt;
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  if (::tcsetattr(fd, TCSAFLUSH, &quiet) != 0) return std::nullopt;
  if (::write(fd, prompt.data(), prompt.size()) < 0) {
    ::tcsetattr(fd, TCSANOW, &saved);
    return std::nullopt;
  }
  char buffer[kMaxPassword];
  size_t length = 0;
  char c = 0;
  while (length < sizeof buffer && ::read(fd, &c, 1) == 1 && c != '\n') buffer[length++] = c;
  ::tcsetattr(fd, TCSANOW, &saved);
  std::optional<SecretString> out;
  if (length > 0) out = SecretString(std::string_view(buffer, length));
  OPENSSL_cleanse(buffer, sizeof buffer);
  return out;
}

}  // namespace

std::optional<SecretString> askPassword(const std::string& prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<SecretString> answer = readHidden(fd, prompt);
  ::close(fd);
  return answer;
}

}  // namespace p11nethsm::check
