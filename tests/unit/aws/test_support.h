// Helpers shared by the AWS unit tests: locating test data and running the botocore scripts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace ebbflow::aws::testing {

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
inline std::string shared_dir() { return env_or("EBBFLOW_SHARED_DIR", EBBFLOW_DEFAULT_SHARED_DIR); }
inline std::string source_dir() { return env_or("EBBFLOW_SOURCE_DIR", EBBFLOW_DEFAULT_SOURCE_DIR); }

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandOutput {
  int exit_code = -1;  // -1: could not run
  std::string out;
};

// Runs a shell command and captures stdout (stderr goes to the test log).
inline CommandOutput run_command(const std::string& cmd) {
  CommandOutput result;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return result;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) result.out.append(buf, n);
  int status = pclose(p);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Exit code the botocore scripts use when python3 has no botocore.
constexpr int kNoBotocore = 77;

}  // namespace ebbflow::aws::testing
