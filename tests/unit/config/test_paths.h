// Where the config test data lives (tests/data/configs under the source tree).
#pragma once

#include <cstdlib>
#include <string>

namespace ebbflow::config::testing {

inline std::string source_dir() {
  const char* d = std::getenv("EBBFLOW_SOURCE_DIR");
  return d ? d : EBBFLOW_TEST_SOURCE_DIR;
}
inline std::string configs_dir() { return source_dir() + "/tests/data/configs"; }

}  // namespace ebbflow::config::testing
