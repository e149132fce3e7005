#include "check/report.hpp"

#include <cstdio>

namespace p11nethsm::check {

void Report::say(int depth, const std::string& text) {
  std::printf("%*s%s\n", depth * 2, "", text.c_str());
}

void Report::problem(Problem p) { problems_.push_back(std::move(p)); }

void Report::slotResult(size_t index, const std::string& label, bool usable) {
  ++slots_;
  if (!usable) unusable_.push_back("slot " + std::to_string(index) + " '" + label + "'");
}

int Report::finish() {
  std::printf("\nProblems\n");
  if (problems_.empty()) std::printf("  none\n");
  for (const Problem& p : problems_) {
    std::printf("problem: %s: %s; fix: %s\n", p.subject.c_str(), p.what.c_str(), p.fix.c_str());
  }
  std::printf("\n");
  if (configUnusable_) {
    std::printf("result: the module cannot load this configuration\n");
    return 1;
  }
  if (slots_ == 0) {
    std::printf("result: no slot is configured\n");
    return 1;
  }
  if (!unusable_.empty()) {
    std::string names;
    for (const auto& n : unusable_) names += (names.empty() ? "" : ", ") + n;
    std::printf("result: unusable: %s\n", names.c_str());
    return 1;
  }
  std::printf("result: %zu slot(s) usable, %zu problem(s)\n", slots_, problems_.size());
  return 0;
}

}  // namespace p11nethsm::check
