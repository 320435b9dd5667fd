// A checker of the Prometheus text exposition format 0.0.4, shared by the ops tests: every line
// is a HELP/TYPE comment or `name{labels} value`, and every sample belongs to a family declared
// by a preceding # TYPE line (histogram samples by their _bucket/_sum/_count suffix).
#pragma once

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace ebbflow::daemons::testing {

inline void expect_prometheus_text(const std::string& text) {
  static const std::regex comment(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$)");
  static const std::regex sample(
      R"re(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (-?[0-9.eE+-]+|[+-]Inf|NaN)$)re");
  std::set<std::string> families, typed;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  std::smatch m;
  while (std::getline(in, line)) {
    ++n;
    if (std::regex_match(line, m, comment)) {
      if (m[1] == "TYPE") {
        EXPECT_TRUE(typed.insert(m[2]).second) << "family declared twice: " << m[2];
        families.insert(m[2]);
        if (m[3] == "histogram") {
          families.insert(std::string(m[2]) + "_bucket");
          families.insert(std::string(m[2]) + "_sum");
          families.insert(std::string(m[2]) + "_count");
        }
      }
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, sample)) << "line " << n << ": " << line;
    EXPECT_TRUE(families.count(m[1])) << "line " << n << " has no # TYPE before it: " << line;
  }
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace ebbflow::daemons::testing
