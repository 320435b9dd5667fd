// Runs the built `ebbflow validate` binary (skipped when it has not been built): exit status,
// the OK summary line, one stderr line per issue, and the --json shape.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_paths.h"

namespace ebbflow::config {
namespace {

struct CliRun {
  int status = -1;
  std::string out;
};

std::string binary() {
  const char* d = std::getenv("EBBFLOW_BINARY_DIR");
  return std::string(d ? d : EBBFLOW_TEST_BINARY_DIR) + "/src/cli/ebbflow";
}

CliRun run(const std::string& args, bool merge_stderr) {
  CliRun r;
  std::string cmd = binary() + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class ValidateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(binary())) GTEST_SKIP() << "ebbflow binary not built: " << binary();
  }
};

TEST_F(ValidateCli, ValidFilePrintsSummaryAndExitsZero) {
  std::string file = testing::source_dir() + "/examples/local-slurm.yaml";
  CliRun r = run("validate -c " + file, false);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, file + ": OK (1 queue, 1 compute resource, 1 static nodes, 3 dynamic nodes)\n");
}

TEST_F(ValidateCli, BrokenFilePrintsEveryIssueAndExitsOne) {
  std::string file = testing::configs_dir() + "/broken/40-several-problems.yaml";
  CliRun r = run("validate -c " + file, true);
  EXPECT_EQ(r.status, 1);
  size_t lines = 0, pos = 0;
  while ((pos = r.out.find(file + ":", pos)) != std::string::npos) ++lines, ++pos;
  EXPECT_EQ(lines, 7u) << r.out;  // six issues and the closing count line
  EXPECT_NE(r.out.find(file + ":21:15: Daemons.Clustermgtd.LoopTime: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("6 problems found; nothing was started"), std::string::npos) << r.out;
}

TEST_F(ValidateCli, JsonOutput) {
  CliRun ok = run("validate --json -c " + testing::configs_dir() + "/valid/minimal.yaml", false);
  EXPECT_EQ(ok.status, 0);
  auto j = nlohmann::json::parse(ok.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << ok.out;
  EXPECT_EQ(j["Valid"], true);
  EXPECT_EQ(j["Config"]["Scheduling"]["SlurmQueues"][0]["ComputeResources"][0]["MaxCount"], 10);
  CliRun bad = run("validate --json -c " + testing::configs_dir() + "/broken/02-wrong-type-int.yaml", false);
  EXPECT_EQ(bad.status, 1);
  auto k = nlohmann::json::parse(bad.out, nullptr, false);
  ASSERT_FALSE(k.is_discarded()) << bad.out;
  EXPECT_EQ(k["Valid"], false);
  ASSERT_EQ(k["Issues"].size(), 1u);
  EXPECT_EQ(k["Issues"][0]["Line"], 12);
}

}  // namespace
}  // namespace ebbflow::config
