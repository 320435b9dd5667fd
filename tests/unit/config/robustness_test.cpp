// load_cluster_config_string must never crash or throw, whatever it is given (it is also the
// entry point for a fuzzer). Inputs here: every prefix of real files, random byte edits of them,
// deep nesting, huge numbers, binary junk. Each must yield either a config or at least one issue.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "config/cluster_config.h"
#include "config/config_json.h"
#include "test_paths.h"

namespace ebbflow::config {
namespace {

void expect_graceful(const std::string& text) {
  LoadResult r;
  ASSERT_NO_THROW(r = load_cluster_config_string(text, "fuzz.yaml")) << text;
  EXPECT_NE(r.config.has_value(), !r.issues.empty()) << text;  // exactly one of the two
  // A config that loads has a JSON view (validate --json, the cluster context file) that dumps.
  if (r.config) {
    EXPECT_NO_THROW((void)to_json(*r.config).dump()) << text;
  }
}

std::vector<std::string> corpus() {
  std::vector<std::string> out;
  for (const char* sub : {"/valid", "/broken"}) {
    for (const auto& e : std::filesystem::directory_iterator(testing::configs_dir() + sub)) {
      std::ifstream in(e.path());
      std::stringstream s;
      s << in.rdbuf();
      out.push_back(s.str());
    }
  }
  return out;
}

TEST(Robustness, EveryPrefixOfEveryCorpusFile) {
  auto files = corpus();
  ASSERT_FALSE(files.empty());
  for (const auto& f : files)
    for (size_t n = 0; n <= f.size(); n += 7) expect_graceful(f.substr(0, n));
}

TEST(Robustness, RandomEditsOfCorpusFiles) {
  auto files = corpus();
  std::mt19937 rng(12345);  // fixed seed: failures are reproducible
  const std::string alphabet = ":-[]{}#&*!|>'\"%@`,? \n\t0123456789abcXYZ.\\\x01\xff";
  for (int round = 0; round < 3000; ++round) {
    std::string f = files[rng() % files.size()];
    int edits = 1 + rng() % 4;
    for (int e = 0; e < edits && !f.empty(); ++e) {
      size_t pos = rng() % f.size();
      switch (rng() % 3) {
        case 0: f[pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: f.erase(pos, 1 + rng() % 5); break;
        default: f.insert(pos, 1, alphabet[rng() % alphabet.size()]);
      }
    }
    expect_graceful(f);
  }
}

TEST(Robustness, PathologicalInputs) {
  expect_graceful("");
  expect_graceful("\n\n# only a comment\n");
  expect_graceful(std::string(5000, '['));
  expect_graceful(std::string(5000, '{'));
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += std::string(i % 80, ' ') + "- \n";
  expect_graceful(deep);
  expect_graceful("Region: us-east-1\nCloud: {Provider: local}\nScheduling:\n  SlurmQueues:\n    - Name: q\n"
                  "      ComputeResources: [{Name: c, InstanceType: t3.micro, MaxCount: 99999999999999999999}]\n");
  expect_graceful("a: &x [*x]\n");
  // An alias that makes a queue its own compute resource: the schema-driven walk must not loop.
  expect_graceful("Region: us-east-1\nCloud: {Provider: local}\nScheduling:\n  SlurmQueues:\n"
                  "    - &q {Name: q, ComputeResources: [*q]}\n");
  expect_graceful("*unknown_alias\n");
  expect_graceful("--- 1\n--- 2\n");
  expect_graceful(std::string("\0\0\0", 3));
  expect_graceful("? [complex, key]\n: value\n");
  expect_graceful("Region: !!binary aGVsbG8=\n");
}

// yaml-cpp 0.7's LoadAll never returns on a stray ',' at a document's top level (found by
// fuzz_cluster_config); the loader must finish with a syntax error instead.
TEST(Robustness, StrayCommaAtTopLevelIsAnErrorNotAHang) {
  for (const char* text : {",", ", a", "--- ,", "--- !t ,", "&a ,", "[a]\n,", "\"x\"\n,", "a: 1\n...\n,",
                           ", note\nRegion: us-east-1\nCloud:\n  Provider: local\n"}) {
    LoadResult r = load_cluster_config_string(text, "comma.yaml");
    EXPECT_FALSE(r.config.has_value()) << text;
    EXPECT_FALSE(r.issues.empty()) << text;
  }
  LoadResult r = load_cluster_config_string(",\n", "comma.yaml");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_NE(r.issues[0].message.find("stray ','"), std::string::npos) << r.issues[0].message;
}

TEST(Robustness, DocumentMarkersAreCounted) {
  auto documents_issue = [](const std::string& text) {
    for (const auto& i : load_cluster_config_string(text, "docs.yaml").issues)
      if (i.message.find("YAML documents") != std::string::npos) return i.message;
    return std::string();
  };
  EXPECT_NE(documents_issue("--- 1\n--- 2\n").find("2 YAML documents"), std::string::npos);
  EXPECT_NE(documents_issue("a: 1\n---\nb: 2\n").find("2 YAML documents"), std::string::npos);
  EXPECT_NE(documents_issue("a: 1\n...\nb: 2\n").find("2 YAML documents"), std::string::npos);
  EXPECT_EQ(documents_issue("# comment\n%YAML 1.2\n---\na: 1\n...\n# trailing comment\n"), "");
  EXPECT_EQ(documents_issue("a: |\n  text with --- inside\n"), "");
}

std::string first_message(const LoadResult& r) { return r.issues.empty() ? "" : r.issues[0].to_string("f.yaml"); }

// yaml-cpp takes any byte; a value that is not UTF-8 made the JSON view throw (fuzz_cluster_config).
TEST(Robustness, TextThatIsNotUtf8IsRefusedWithItsPosition) {
  const std::string good =
      "Region: us-east-1\nCloud:\n  Provider: local\nScheduling:\n  SlurmQueues:\n    - Name: q\n"
      "      ComputeResources:\n        - Name: cr\n          InstanceType: t3.micro\n";
  for (std::string bad : {std::string("\xFF"), std::string("\xC3"), std::string("\xC0\xAF"),  // cut short, overlong
                          std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80"),         // surrogate, > U+10FFFF
                          std::string("\x80")}) {
    std::string text = good + "# note " + bad + "\n";
    LoadResult r = load_cluster_config_string(text, "f.yaml");
    EXPECT_FALSE(r.config.has_value());
    ASSERT_EQ(r.issues.size(), 1u);
    EXPECT_NE(first_message(r).find("not UTF-8 text"), std::string::npos) << first_message(r);
    EXPECT_EQ(r.issues[0].line, 10) << first_message(r);
    EXPECT_EQ(r.issues[0].column, 8) << first_message(r);
  }
  // Real UTF-8 (a comment in French, a euro sign, an emoji) is fine.
  LoadResult ok = load_cluster_config_string(good + "# café, 10 \u20AC, \U0001F680\n", "f.yaml");
  EXPECT_TRUE(ok.config.has_value()) << first_message(ok);
}

}  // namespace
}  // namespace ebbflow::config
