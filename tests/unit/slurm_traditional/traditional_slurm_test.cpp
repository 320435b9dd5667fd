// TraditionalSlurm against a fake scontrol/sinfo/squeue: slot parsing, host -> slot mapping,
// add/remove idempotency and ordering, health rules, and failed commands as kUnavailable.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scheduler/slurm/traditional_slurm.h"

namespace ebbflow::slurm {
namespace {

// `scontrol -o show nodes --future` as Slurm 22.05 prints it (fields trimmed).
std::string node_line(const std::string& name, const std::string& addr, const std::string& host,
                      const std::string& state, const std::string& reason = "") {
  std::string l = "NodeName=" + name + " CoresPerSocket=1  CPUAlloc=0 CPUEfctv=4 CPUTot=4 CPULoad=N/A NodeAddr=" + addr +
                  " NodeHostName=" + host + " Port=30001  RealMemory=1000 State=" + state +
                  " ThreadsPerCore=1 TmpDisk=0 Weight=1 Partitions=compute";
  if (!reason.empty()) l += " Reason=" + reason + " [root@2026-11-26T03:38:21]";
  return l + "\n";
}

class FakeSlurm : public CommandRunner {
 public:
  std::string nodes;
  std::string sinfo;
  std::string squeue_w;
  bool fail = false;
  std::vector<std::vector<std::string>> updates;
  Result<CommandOutput> run(const CommandSpec& spec) override {
    if (fail) return make_error(ErrorKind::kUnavailable, "Timeout", "timed out");
    const auto& a = spec.argv;
    std::string prog = a[0].substr(a[0].rfind('/') + 1);
    if (prog == "scontrol" && a.size() > 1 && a[1] == "-o") return CommandOutput{0, nodes, ""};
    if (prog == "scontrol" && a.size() > 1 && a[1] == "update") {
      updates.push_back(a);
      return CommandOutput{0, "", ""};
    }
    if (prog == "sinfo") return CommandOutput{0, sinfo, ""};
    if (prog == "squeue") return CommandOutput{0, squeue_w, ""};
    return CommandOutput{1, "", "unexpected command"};
  }
};

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += a + " ";
  return s;
}

TEST(TraditionalSlurm, ParsesSlotsAndReason) {
  auto slots = parse_slot_nodes(node_line("compute-1", "127.9.0.2", "ip-127-9-0-2", "IDLE+DRAIN", kLockReason) +
                                node_line("compute-2", "compute-2", "compute-2", "FUTURE"));
  ASSERT_TRUE(slots.ok());
  ASSERT_EQ(slots->size(), 2u);
  EXPECT_TRUE((*slots)[0].bound());
  EXPECT_EQ((*slots)[0].reason, kLockReason);
  EXPECT_TRUE((*slots)[0].has_flag("DRAIN"));
  EXPECT_FALSE((*slots)[1].bound());
  EXPECT_TRUE((*slots)[1].has_flag("FUTURE"));
  EXPECT_FALSE(parse_slot_nodes("garbage without a name\n").ok());
}

TEST(TraditionalSlurm, AddressFromHostname) {
  EXPECT_EQ(address_from_hostname("ip-127-201-0-7"), "127.201.0.7");
  EXPECT_EQ(address_from_hostname("ip-10-0-300-1"), std::nullopt);
  EXPECT_EQ(address_from_hostname("node7"), std::nullopt);
}

TEST(TraditionalSlurm, AddBindsLowestFreeSlotsAndIsIdempotent) {
  FakeSlurm fake;
  fake.nodes = node_line("compute-1", "127.9.0.2", "ip-127-9-0-2", "IDLE") + node_line("compute-2", "compute-2", "compute-2", "FUTURE") +
               node_line("compute-3", "compute-3", "compute-3", "FUTURE");
  TraditionalSlurm s(fake, {"/usr/bin", ""});
  auto r = s.add_hosts({{"i-1", "ip-127-9-0-2", 4, 0}, {"i-2", "ip-127-9-0-3", 4, 0}, {"i-3", "ip-127-9-0-4", 4, 0}});
  EXPECT_EQ(r.succeeded.size(), 3u);
  EXPECT_TRUE(r.failed.empty());
  ASSERT_EQ(fake.updates.size(), 1u);  // the present host needs nothing; the new ones one call
  std::string u = joined(fake.updates[0]);
  EXPECT_NE(u.find("nodename=compute-2,compute-3"), std::string::npos) << u;
  EXPECT_NE(u.find("nodeaddr=127.9.0.3,127.9.0.4"), std::string::npos) << u;
  EXPECT_NE(u.find("nodehostname=ip-127-9-0-3,ip-127-9-0-4"), std::string::npos) << u;
}

TEST(TraditionalSlurm, AddFailsWhenNoSlotIsFree) {
  FakeSlurm fake;
  fake.nodes = node_line("compute-1", "127.9.0.2", "ip-127-9-0-2", "IDLE");
  TraditionalSlurm s(fake, {"/usr/bin", ""});
  auto r = s.add_hosts({{"i-2", "ip-127-9-0-3", 4, 0}});
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_TRUE(fake.updates.empty());
}

TEST(TraditionalSlurm, RemoveDownsThenFreesTheSlot) {
  FakeSlurm fake;
  fake.nodes = node_line("compute-1", "127.9.0.2", "ip-127-9-0-2", "ALLOCATED") +
               node_line("compute-2", "127.9.0.3", "ip-127-9-0-3", "FUTURE");
  TraditionalSlurm s(fake, {"/usr/bin", ""});
  auto r = s.remove_hosts({{"i-1", "ip-127-9-0-2", 4, 0}, {"i-2", "ip-127-9-0-3", 4, 0}, {"i-9", "ip-127-9-0-9", 4, 0}});
  EXPECT_EQ(r.succeeded.size(), 3u);  // the unknown host too: removal is idempotent
  ASSERT_EQ(fake.updates.size(), 3u);
  EXPECT_NE(joined(fake.updates[0]).find("state=DOWN"), std::string::npos);
  EXPECT_NE(joined(fake.updates[1]).find("state=FUTURE"), std::string::npos);
  EXPECT_NE(joined(fake.updates[1]).find("nodeaddr=compute-1"), std::string::npos);
  // A slot whose slurmd never registered (still FUTURE) only gets its address reset.
  EXPECT_EQ(joined(fake.updates[2]).find("state="), std::string::npos);
  EXPECT_NE(joined(fake.updates[2]).find("nodehostname=compute-2"), std::string::npos);
}

TEST(TraditionalSlurm, HealthRules) {
  FakeSlurm fake;
  fake.nodes = node_line("compute-1", "127.9.0.2", "h1", "IDLE+DRAIN", kLockReason) +
               node_line("compute-2", "127.9.0.3", "h2", "IDLE+DRAIN", "admin said so") +
               node_line("compute-3", "127.9.0.4", "h3", "IDLE*") + node_line("compute-4", "127.9.0.5", "h4", "FUTURE") +
               node_line("compute-5", "127.9.0.6", "h5", "MIXED");
  TraditionalSlurm s(fake, {"/usr/bin", ""});
  EXPECT_EQ(*s.node_health("h1"), sched::NodeHealth::kUp);  // our own lock
  EXPECT_EQ(*s.node_health("h2"), sched::NodeHealth::kDown);
  EXPECT_EQ(*s.node_health("h3"), sched::NodeHealth::kDown);  // not responding
  EXPECT_EQ(*s.node_health("h4"), sched::NodeHealth::kDown);  // slurmd never registered
  EXPECT_EQ(*s.node_health("h5"), sched::NodeHealth::kUp);
  EXPECT_EQ(*s.node_health("h9"), sched::NodeHealth::kMissing);
  fake.fail = true;
  auto failed = s.node_health("h5");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::kUnavailable);  // unknown, never down
}

TEST(TraditionalSlurm, BusyNodesAndJobs) {
  FakeSlurm fake;
  fake.sinfo = "2 mix\n4 alloc\n10 idle\n1 alloc*\n1 down*\n";
  fake.nodes = node_line("compute-1", "127.9.0.2", "h1", "MIXED");
  TraditionalSlurm s(fake, {"/usr/bin", ""});
  EXPECT_EQ(*s.busy_nodes(), 7);
  fake.squeue_w = "42\n";
  EXPECT_TRUE(*s.has_jobs("h1"));
  fake.squeue_w = "";
  EXPECT_FALSE(*s.has_jobs("h1"));
  EXPECT_FALSE(*s.has_jobs("not-in-slurm"));
  EXPECT_FALSE(s.has_jobs("bad name").ok());
}

}  // namespace
}  // namespace ebbflow::slurm
