// SlurmClient command construction and failure mapping, with a scripted CommandRunner.
#include <gtest/gtest.h>

#include <deque>
#include <fstream>
#include <sstream>

#include "scheduler/slurm/slurm_client.h"

namespace ebbflow::slurm {
namespace {

// Records every spec and answers from a queue of scripted results (default: exit 0, no output).
class ScriptedRunner : public CommandRunner {
 public:
  Result<CommandOutput> run(const CommandSpec& spec) override {
    specs.push_back(spec);
    if (answers.empty()) return CommandOutput{};
    auto next = answers.front();
    answers.pop_front();
    return next;
  }
  std::vector<CommandSpec> specs;
  std::deque<Result<CommandOutput>> answers;
};

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(EBBFLOW_SLURM_FIXTURES) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandOutput exited(int code, std::string out, std::string err = "") {
  return CommandOutput{code, std::move(out), std::move(err)};
}

TEST(SlurmClient, ShowNodesRunsScontrolWithEnvironment) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, fixture("nodes_updated.txt")));
  SlurmClient client(runner, SlurmPaths{"/opt/slurm/bin", "/etc/slurm/slurm.conf"});
  auto nodes = client.show_nodes();
  ASSERT_TRUE(nodes.ok()) << nodes.error().describe();
  EXPECT_EQ(nodes->size(), 7u);
  ASSERT_EQ(runner.specs.size(), 1u);
  const auto& s = runner.specs[0];
  EXPECT_EQ(s.argv, (std::vector<std::string>{"/opt/slurm/bin/scontrol", "show", "nodes"}));
  EXPECT_EQ(s.env.at("SLURM_CONF"), "/etc/slurm/slurm.conf");
  EXPECT_EQ(s.env.at("TZ"), "UTC");
  EXPECT_EQ(s.timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(client.commands_run(), 1u);
}

TEST(SlurmClient, NoSlurmConfMeansNoOverride) {
  ScriptedRunner runner;
  SlurmClient client(runner, SlurmPaths{"/usr/bin", ""});
  ASSERT_TRUE(client.show_partitions().ok());
  EXPECT_EQ(runner.specs[0].env.count("SLURM_CONF"), 0u);
  EXPECT_EQ(runner.specs[0].argv,
            (std::vector<std::string>{"/usr/bin/scontrol", "show", "partitions", "--oneliner"}));
}

TEST(SlurmClient, ReadFailuresAreUnavailableNeverEmpty) {
  ScriptedRunner runner;
  SlurmClient client(runner, SlurmPaths{});
  runner.answers.push_back(exited(1, "", fixture("unreachable.err")));
  auto unreachable = client.show_nodes();
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(unreachable.error().code, "SlurmctldUnreachable");
  EXPECT_NE(unreachable.error().message.find("Unable to contact slurm controller"), std::string::npos);

  runner.answers.push_back(make_error(ErrorKind::kUnavailable, "Timeout", "killed after 30000 ms"));
  auto timeout = client.show_nodes();
  ASSERT_FALSE(timeout.ok());
  EXPECT_EQ(timeout.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(timeout.error().code, "Timeout");

  runner.answers.push_back(make_error(ErrorKind::kGiveUp, "SpawnFailed", "no such file"));
  auto spawn = client.show_partitions();
  ASSERT_FALSE(spawn.ok());
  EXPECT_EQ(spawn.error().kind, ErrorKind::kUnavailable);

  runner.answers.push_back(exited(2, "", "scontrol: error: something odd"));
  auto odd = client.show_nodes();
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().kind, ErrorKind::kUnavailable);
}

TEST(SlurmClient, ShowNamedNodesCompressesAndReportsNotFound) {
  ScriptedRunner runner;
  SlurmClient client(runner, SlurmPaths{"/b", ""});
  runner.answers.push_back(exited(1, "", "Node q-dy-c5-9 not found\n"));
  auto r = client.show_nodes({"q-dy-c5-9", "q-dy-c5-8"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(runner.specs[0].argv.back(), "q-dy-c5-[8-9]");
  auto bad = client.show_nodes({"x state=down"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(client.show_nodes({"a-st-b-1,a-st-b-2"}).error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(runner.specs.size(), 1u);  // nothing run for the bad names
}

TEST(SlurmClient, UpdateBatchesAndCompressesNames) {
  ScriptedRunner runner;
  SlurmClient client(runner, SlurmPaths{"/b", "/c"});
  NodeUpdate u;
  for (int i = 1; i <= 250; ++i) u.names.push_back("q-dy-c5-" + std::to_string(i));
  u.state = "power_down_force";
  u.reason = "Scheduler health check failed";
  ASSERT_TRUE(client.update_nodes(u).ok());
  ASSERT_EQ(runner.specs.size(), 3u);
  EXPECT_EQ(runner.specs[0].argv,
            (std::vector<std::string>{"/b/scontrol", "update", "nodename=q-dy-c5-[1-100]", "state=power_down_force",
                                      "reason=Scheduler health check failed"}));
  EXPECT_EQ(runner.specs[2].argv[2], "nodename=q-dy-c5-[201-250]");
  EXPECT_EQ(runner.specs[0].timeout, std::chrono::milliseconds(60000));
  EXPECT_EQ(runner.specs[0].env.at("SLURM_CONF"), "/c");
}

TEST(SlurmClient, UpdateWithAddressesKeepsOrder) {
  ScriptedRunner runner;
  SlurmClient client(runner, SlurmPaths{"/b", ""});
  NodeUpdate u;
  u.names = {"q-st-c5-3", "q-st-c5-1", "q-st-c5-2"};
  u.addrs = {"10.0.0.3", "10.0.0.1", "10.0.0.2"};
  u.hostnames = {"ip-10-0-0-3", "ip-10-0-0-1", "ip-10-0-0-2"};
  ASSERT_TRUE(client.update_nodes(u, 2).ok());
  ASSERT_EQ(runner.specs.size(), 2u);
  EXPECT_EQ(runner.specs[0].argv,
            (std::vector<std::string>{"/b/scontrol", "update", "nodename=q-st-c5-3,q-st-c5-1",
                                      "nodeaddr=10.0.0.3,10.0.0.1", "nodehostname=ip-10-0-0-3,ip-10-0-0-1"}));
  EXPECT_EQ(runner.specs[1].argv,
            (std::vector<std::string>{"/b/scontrol", "update", "nodename=q-st-c5-2", "nodeaddr=10.0.0.2",
                                      "nodehostname=ip-10-0-0-2"}));
}

TEST(SlurmClient, UpdateValidatesBeforeRunningAnything) {
  ScriptedRunner runner;
  SlurmClient client(runner, SlurmPaths{});
  NodeUpdate mismatch;
  mismatch.names = {"a-st-b-1", "a-st-b-2"};
  mismatch.addrs = {"10.0.0.1"};
  EXPECT_EQ(client.update_nodes(mismatch).error().kind, ErrorKind::kInvalidInput);
  NodeUpdate hostile;
  hostile.names = {"a-st-b-1 state=resume"};
  EXPECT_EQ(client.update_nodes(hostile).error().kind, ErrorKind::kInvalidInput);
  NodeUpdate comma;
  comma.names = {"a-st-b-1"};
  comma.addrs = {"10.0.0.1,10.0.0.2"};
  EXPECT_EQ(client.update_nodes(comma).error().kind, ErrorKind::kInvalidInput);
  NodeUpdate bad_reason;
  bad_reason.names = {"a-st-b-1"};
  bad_reason.reason = "x; rm -rf /";
  EXPECT_EQ(client.update_nodes(bad_reason).error().kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(runner.specs.empty());
  EXPECT_TRUE(client.update_nodes(NodeUpdate{}).ok());
  EXPECT_TRUE(runner.specs.empty());
}

TEST(SlurmClient, UpdateTriesEveryBatchAndReturnsFirstError) {
  ScriptedRunner runner;
  SlurmClient client(runner, SlurmPaths{});
  runner.answers.push_back(exited(1, "", fixture("update_unknown_node.err")));
  runner.answers.push_back(exited(1, "", "slurm_update error: Unable to contact slurm controller (connect failure)"));
  runner.answers.push_back(exited(0, ""));
  NodeUpdate u;
  u.names = {"a-st-b-1", "a-st-b-2", "a-st-b-3"};
  u.state = "down";
  auto st = client.update_nodes(u, 1);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(st.error().message.find("Invalid node name specified"), std::string::npos);
  EXPECT_EQ(runner.specs.size(), 3u);

  runner.answers.push_back(exited(1, "", "slurm_update error: Unable to contact slurm controller (connect failure)"));
  auto unreachable = client.update_nodes(u, 100);
  EXPECT_EQ(unreachable.error().kind, ErrorKind::kUnavailable);
}

TEST(SlurmClient, PartitionStateAndSqueue) {
  ScriptedRunner runner;
  SlurmClient client(runner, SlurmPaths{"/b", ""});
  ASSERT_TRUE(client.set_partition_state("queue1", "INACTIVE").ok());
  EXPECT_EQ(runner.specs[0].argv,
            (std::vector<std::string>{"/b/scontrol", "update", "partitionname=queue1", "state=INACTIVE"}));
  EXPECT_FALSE(client.set_partition_state("q;x", "UP").ok());
  runner.answers.push_back(exited(0, "1 PD\n"));
  auto q = client.squeue_raw({"-h", "-o", "%i %t"});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, "1 PD\n");
  EXPECT_EQ(runner.specs.back().argv, (std::vector<std::string>{"/b/squeue", "-h", "-o", "%i %t"}));
}

}  // namespace
}  // namespace ebbflow::slurm
