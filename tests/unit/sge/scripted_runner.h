// Test support for the SGE and Torque adapter tests: a CommandRunner that records every spec
// and answers from a script, and access to the recorded scheduler outputs in the shared dir.
#pragma once

#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "util/command.h"

namespace ebbflow::testing {

// Records every spec; answers from `answers` in order, then with exit 0 and no output.
class ScriptedRunner : public CommandRunner {
 public:
  Result<CommandOutput> run(const CommandSpec& spec) override {
    specs.push_back(spec);
    if (answers.empty()) return CommandOutput{};
    auto next = answers.front();
    answers.pop_front();
    return next;
  }
  std::vector<std::vector<std::string>> argvs() const {
    std::vector<std::vector<std::string>> out;
    for (const auto& s : specs) out.push_back(s.argv);
    return out;
  }
  std::vector<CommandSpec> specs;
  std::deque<Result<CommandOutput>> answers;
};

inline CommandOutput exited(int code, std::string out, std::string err = "") {
  return CommandOutput{code, std::move(out), std::move(err)};
}

inline Error timed_out() { return make_error(ErrorKind::kUnavailable, "Timeout", "timed out after 60000 ms"); }

inline std::string shared_dir() {
  const char* v = std::getenv("EBBFLOW_SHARED_DIR");
  return v && *v ? v : EBBFLOW_SHARED_DIR_DEFAULT;
}

// A file of /work/shared/recorded-outputs (e.g. "sge/test_get_jobs_info__qstat_output_mix.xml").
inline std::string recorded(const std::string& name) {
  std::ifstream in(shared_dir() + "/recorded-outputs/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing recorded output " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ebbflow::testing
