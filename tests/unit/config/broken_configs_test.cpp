// Data-driven: every file in tests/data/configs/broken declares, in "# expect: PATH | LINE | TEXT"
// comment lines, exactly the issues the loader must report. The test fails on a missing issue,
// on an issue at the wrong path or line, and on any extra issue.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/cluster_config.h"
#include "test_paths.h"

namespace ebbflow::config {
namespace {

struct Expectation {
  std::string path;
  int line = 0;
  std::string text;
};

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}

std::vector<Expectation> read_expectations(const std::string& file) {
  std::ifstream in(file);
  std::vector<Expectation> out;
  std::string line;
  const std::string tag = "# expect:";
  while (std::getline(in, line)) {
    if (line.rfind(tag, 0) != 0) continue;
    std::string rest = line.substr(tag.size());
    size_t a = rest.find('|'), b = rest.find('|', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    out.push_back({trim(rest.substr(0, a)), std::stoi(rest.substr(a + 1, b - a - 1)), trim(rest.substr(b + 1))});
  }
  return out;
}

std::vector<std::string> broken_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(testing::configs_dir() + "/broken"))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(BrokenConfigs, ThereAreEnoughOfThem) { EXPECT_GE(broken_files().size(), 16u); }

TEST(BrokenConfigs, EachReportsExactlyTheExpectedIssues) {
  for (const auto& file : broken_files()) {
    SCOPED_TRACE(file);
    auto expected = read_expectations(file);
    ASSERT_FALSE(expected.empty()) << "no '# expect:' line";
    LoadResult r = load_cluster_config_file(file);
    EXPECT_FALSE(r.config.has_value());
    std::string got;
    for (const auto& i : r.issues) got += "  " + i.to_string(file) + "\n";
    EXPECT_EQ(r.issues.size(), expected.size()) << "issues reported:\n" << got;
    std::vector<bool> used(r.issues.size(), false);
    for (const auto& e : expected) {
      bool found = false;
      for (size_t k = 0; k < r.issues.size() && !found; ++k) {
        const auto& i = r.issues[k];
        if (!used[k] && i.path == e.path && i.line == e.line && i.message.find(e.text) != std::string::npos)
          used[k] = found = true;
      }
      EXPECT_TRUE(found) << "expected " << e.path << " at line " << e.line << ": '" << e.text << "'\nreported:\n"
                         << got;
    }
  }
}

TEST(BrokenConfigs, SyntaxErrorCarriesLineAndColumn) {
  LoadResult r = load_cluster_config_string("Region: us-east-1\nCloud: {Provider: local\n", "x.yaml");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_GT(r.issues[0].line, 0);
  EXPECT_GT(r.issues[0].column, 0);
  EXPECT_NE(r.issues[0].message.find("YAML syntax error"), std::string::npos);
}

}  // namespace
}  // namespace ebbflow::config
