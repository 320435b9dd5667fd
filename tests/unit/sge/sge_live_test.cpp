// SgeScheduler against a real SGE 8.1.9 qmaster (a throwaway cell made by live_cell.sh in
// private network/UTS/mount namespaces). No exec daemon runs, so hosts stay in state 'u' and
// jobs stay pending: enough to check every qconf/qmod/qstat reply the adapter depends on.
// Skipped unless run as root on a machine with Debian's gridengine, unshare and nsenter.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "scheduler/sge/sge_scheduler.h"

namespace ebbflow::sge {
namespace {

namespace fs = std::filesystem;

std::string source_dir() {
  const char* v = std::getenv("EBBFLOW_SOURCE_DIR");
  return v && *v ? v : EBBFLOW_SOURCE_DIR_DEFAULT;
}

// Starts live_cell.sh under unshare and stops it (by its PID, through the stop file) at the end.
class LiveCell {
 public:
  LiveCell() {
    if (geteuid() != 0 || !fs::exists("/usr/lib/gridengine/sge_qmaster") || !fs::exists("/usr/bin/unshare") ||
        !fs::exists("/usr/bin/nsenter")) {
      why_not_ = "needs root, /usr/lib/gridengine/sge_qmaster, unshare and nsenter";
      return;
    }
    char tmpl[] = "/tmp/ebbflow-sge-live.XXXXXX";
    if (!mkdtemp(tmpl)) {
      failure_ = "mkdtemp failed";
      return;
    }
    root_ = tmpl;
    std::string script = source_dir() + "/tests/unit/sge/live_cell.sh";
    pid_ = fork();
    if (pid_ == 0) {
      execl("/usr/bin/unshare", "unshare", "--net", "--uts", "--mount", "/bin/bash", script.c_str(), root_.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (fs::exists(root_ + "/ready")) return;
      int status = 0;
      if (fs::exists(root_ + "/failed") || waitpid(pid_, &status, WNOHANG) == pid_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a real qmaster starting
    }
    std::ifstream log(root_ + "/setup.log");
    std::stringstream ss;
    ss << log.rdbuf();
    failure_ = "the cell did not come up: " + ss.str();
  }
  ~LiveCell() {
    if (pid_ > 0) {
      std::ofstream(root_ + "/stop").put('\n');
      int status = 0;
      for (int i = 0; i < 150 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (waitpid(pid_, &status, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    std::error_code ec;
    if (!root_.empty()) fs::remove_all(root_, ec);
  }
  const std::string& why_not() const { return why_not_; }   // preconditions missing: skip
  const std::string& failure() const { return failure_; }   // the cell itself failed: fail
  std::string bin() const { return root_ + "/bin"; }

 private:
  std::string root_;
  std::string why_not_;
  std::string failure_;
  pid_t pid_ = -1;
};

// Submits a job through the cell's qsub (not part of the adapter).
void qsub(const LiveCell& cell, std::vector<std::string> args) {
  SubprocessRunner runner;
  std::vector<std::string> argv{cell.bin() + "/qsub", "-b", "y", "-o", "/dev/null", "-j", "y"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = runner.run(CommandSpec{argv, {}, std::chrono::milliseconds(30000), ""});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->exit_code, 0) << out->err << out->out;
}

TEST(SgeLiveCell, AdapterAgainstARealQmaster) {
  LiveCell cell;
  if (!cell.why_not().empty()) GTEST_SKIP() << cell.why_not();
  ASSERT_TRUE(cell.failure().empty()) << cell.failure();
  SubprocessRunner runner;
  SgeSettings settings;
  settings.bin_dir = cell.bin();
  SgeScheduler sge(runner, settings);
  using sched::NodeHealth;

  // Add: two resolvable names, one that does not resolve, one refused before any command.
  auto added = sge.add_hosts({{"i-1", "sgenode1", 4, 0}, {"i-2", "sgenode2", 2, 0},
                              {"i-3", "nosuchhost", 1, 0}, {"i-4", "bad name", 1, 0}});
  EXPECT_EQ(added.succeeded, (std::vector<std::string>{"sgenode1", "sgenode2"}));
  EXPECT_EQ(added.failed, (std::vector<std::string>{"bad name", "nosuchhost"}));
  ASSERT_EQ(added.messages.size(), 2u);
  EXPECT_NE(added.messages[1].find("can't resolve hostname"), std::string::npos) << added.messages[1];
  // Again: every step is idempotent.
  auto again = sge.add_hosts({{"i-1", "sgenode1", 4, 0}, {"i-2", "sgenode2", 2, 0}});
  EXPECT_EQ(again.succeeded.size(), 2u) << (again.messages.empty() ? "" : again.messages[0]);

  auto hosts = sge.hosts();
  ASSERT_TRUE(hosts.ok()) << hosts.error().describe();
  ASSERT_EQ(hosts->size(), 2u);
  for (const SgeHost& h : *hosts) {
    EXPECT_EQ(h.slots_total, h.name == "sgenode1" ? 4 : 2) << h.name;
    EXPECT_EQ(h.state, "u") << h.name;  // no execd reports
  }
  EXPECT_EQ(*sge.busy_nodes(), 0);

  // Health: registered without execd = down; resolvable but unknown to SGE = missing; a name
  // that does not resolve makes `qstat -l hostname=` fail (rc 1, no output): the fallback
  // listing says missing.
  EXPECT_EQ(*sge.node_health("sgenode1"), NodeHealth::kDown);
  EXPECT_EQ(*sge.node_health("sgenode3"), NodeHealth::kMissing);
  auto unresolvable = sge.node_health("nosuchhost");
  ASSERT_TRUE(unresolvable.ok()) << unresolvable.error().describe();
  EXPECT_EQ(*unresolvable, NodeHealth::kMissing);
  EXPECT_FALSE(*sge.has_jobs("sgenode1"));
  EXPECT_FALSE(*sge.has_jobs("nosuchhost"));

  // Lock twice, unlock twice; a queue instance that does not exist is kNotFound.
  EXPECT_TRUE(sge.lock_host("sgenode1").ok());
  EXPECT_TRUE(sge.lock_host("sgenode1").ok());
  hosts = sge.hosts();
  ASSERT_TRUE(hosts.ok());
  for (const SgeHost& h : *hosts) EXPECT_EQ(h.state, h.name == "sgenode1" ? "du" : "u");
  EXPECT_TRUE(sge.unlock_host("sgenode1").ok());
  EXPECT_TRUE(sge.unlock_host("sgenode1").ok());
  auto unknown = sge.lock_host("sgenode3");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);

  // Pending work: 1 slot + a held job + a 4-task array; on 2-slot nodes, (1 + 4) / 2 -> 3.
  EXPECT_FALSE(*sge.has_pending_jobs({2, 0}, 10));
  qsub(cell, {"/bin/sleep", "100"});
  qsub(cell, {"-h", "/bin/sleep", "100"});
  qsub(cell, {"-t", "1-4", "/bin/sleep", "100"});
  auto pending = sge.pending_jobs();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), 6u);  // -g dt lists each array task
  auto required = sge.required_nodes({2, 0}, 10);
  ASSERT_TRUE(required.ok()) << required.error().describe();
  EXPECT_EQ(*required, 3);
  EXPECT_TRUE(*sge.has_pending_jobs({2, 0}, 10));

  // Remove twice: the second time every object is already gone and still counts as removed.
  for (int round = 0; round < 2; ++round) {
    auto removed = sge.remove_hosts({{"i-1", "sgenode1", 4, 0}, {"i-2", "sgenode2", 2, 0}});
    EXPECT_EQ(removed.succeeded, (std::vector<std::string>{"sgenode1", "sgenode2"}))
        << "round " << round << ": " << (removed.messages.empty() ? "" : removed.messages[0]);
  }
  EXPECT_EQ(*sge.node_health("sgenode1"), NodeHealth::kMissing);
  hosts = sge.hosts();
  ASSERT_TRUE(hosts.ok());
  EXPECT_TRUE(hosts->empty());
}

}  // namespace
}  // namespace ebbflow::sge
