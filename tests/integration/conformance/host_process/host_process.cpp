#include "host_process.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "p11nethsm_test/module_loader.hpp"

extern char** environ;

namespace p11nethsm::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The helper's environment: ours, with LeakSanitizer off in a sanitizer build. The
// helper exits on purpose while 8 threads are inside C_Sign; LeakSanitizer's exit-time
// scan stops those threads and its tracer crashes on them (clang 14), which says
// nothing about the module. Leaks are checked by the dlopen-cycle test.
std::vector<std::string> helperEnvironment() {
  std::vector<std::string> env;
  std::string asan = "ASAN_OPTIONS=detect_leaks=0";
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.rfind("ASAN_OPTIONS=", 0) == 0)
      asan = entry + ":detect_leaks=0";
    else
      env.push_back(entry);
  }
  env.push_back(asan);
  return env;
}

pid_t spawnHelper(const std::vector<std::string>& args, int out[2], int in[2]) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  for (int fd : {out[0], out[1], in[0], in[1]}) posix_spawn_file_actions_addclose(&actions, fd);
  const char* dir = std::getenv("P11NETHSM_BUILD_DIR");
  const std::string helper = std::string(dir ? dir : ".") + "/tests/p11nethsm_host_helper";
  const std::string module = builtModulePath();
  std::vector<char*> argv{const_cast<char*>(helper.c_str()), const_cast<char*>(module.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> envStrings = helperEnvironment();
  std::vector<char*> envp;
  for (auto& e : envStrings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, helper.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

}  // namespace

HelperRun runHostHelper(const std::vector<std::string>& args,
                        const std::function<void()>& beforeExit) {
  HelperRun run;
  int out[2], in[2];
  if (pipe(out) != 0) return run;
  if (pipe(in) != 0) {
    close(out[0]);
    close(out[1]);
    return run;
  }
  const pid_t pid = spawnHelper(args, out, in);
  close(out[1]);
  close(in[0]);
  Clock::time_point exiting{};
  bool told = false;
  char buf[256];
  ssize_t n;
  while (pid > 0 && (n = read(out[0], buf, sizeof buf)) > 0) {
    run.output.append(buf, static_cast<size_t>(n));
    if (!told && run.output.find("signing\n") != std::string::npos) {
      told = true;
      beforeExit();
      (void)!write(in[1], "go\n", 3);
    }
    if (exiting == Clock::time_point{} && run.output.find("exiting\n") != std::string::npos)
      exiting = Clock::now();
  }
  close(out[0]);
  close(in[1]);
  if (pid > 0) waitpid(pid, &run.status, 0);
  if (exiting != Clock::time_point{})
    run.exitMs = static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - exiting).count());
  return run;
}

}  // namespace p11nethsm::testing
