#pragma once
// What p11nethsm-check found: the lines it prints as it goes, the problems (one line
// each with what to change) and whether each slot is usable (issue 13 §2).
#include <cstddef>
#include <string>
#include <vector>

namespace p11nethsm::check {

struct Problem {
  std::string subject;  // "slot 'A' instance 0 (https://...)", "file:line", ...
  std::string what;     // what is wrong
  std::string fix;      // what to change
};

class Report {
 public:
  // A line of the running report, indented by `depth` levels.
  void say(int depth, const std::string& text);
  void problem(Problem p);
  // Marks slot `index` (0-based, one call per slot) usable or not.
  void slotResult(size_t index, const std::string& label, bool usable);
  // A configuration that the module would refuse: every slot is unusable.
  void configUnusable() { configUnusable_ = true; }

  // Prints "Problems" (one line per problem: "problem: <subject>: <what>; fix: <fix>")
  // and the closing verdict; returns the exit status: 0 every slot usable, 1 a slot
  // unusable, no slot at all, or the configuration refused.
  int finish();

 private:
  std::vector<Problem> problems_;
  std::vector<std::string> unusable_;
  size_t slots_ = 0;
  bool configUnusable_ = false;
};

}  // namespace p11nethsm::check
