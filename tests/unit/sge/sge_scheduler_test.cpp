// SgeScheduler queries (jobwatcher and nodewatcher, reference 2.3, 4.4, 12.2) with a scripted
// CommandRunner: exact argv, the decisions drawn from the output, and failure mapping.
#include <gtest/gtest.h>

#include "scheduler/sge/sge_scheduler.h"
#include "scripted_runner.h"

namespace ebbflow::sge {
namespace {

using ebbflow::testing::exited;
using ebbflow::testing::recorded;
using ebbflow::testing::ScriptedRunner;
using ebbflow::testing::timed_out;
using Argv = std::vector<std::string>;

SgeSettings settings() {
  SgeSettings s;
  s.bin_dir = "/opt/cluster/bin";
  s.env = {{"SGE_ROOT", "/usr/share/gridengine"}, {"SGE_CELL", "c1"}};
  return s;
}

std::string queue_list(const std::string& host, int used, int resv, const std::string& state) {
  return "<Queue-List><name>all.q@" + host + "</name><qtype>BIP</qtype><slots_used>" + std::to_string(used) +
         "</slots_used><slots_resv>" + std::to_string(resv) + "</slots_resv><slots_total>4</slots_total>" +
         (state.empty() ? "" : "<state>" + state + "</state>") + "</Queue-List>";
}

std::string hosts_xml(const std::string& queue_lists) {
  return "<?xml version='1.0'?>\n<job_info><queue_info>" + queue_lists + "</queue_info><job_info></job_info></job_info>";
}

std::string pending_job(int number, const std::string& state, int slots) {
  return "<job_list state=\"pending\"><JB_job_number>" + std::to_string(number) + "</JB_job_number><state>" +
         state + "</state><queue_name></queue_name><master></master><slots>" + std::to_string(slots) +
         "</slots></job_list>";
}

std::string pending_xml(const std::string& jobs) {
  return "<?xml version='1.0'?>\n<job_info><queue_info></queue_info><job_info>" + jobs + "</job_info></job_info>";
}

const Argv kPendingArgv{"/opt/cluster/bin/qstat", "-xml", "-g", "dt", "-u", "*", "-s", "p"};
const Argv kHostsArgv{"/opt/cluster/bin/qstat", "-xml", "-g", "dt", "-u", "*", "-f"};

TEST(SgeScheduler, BusyNodesStateMixIsTwo) {
  // test_get_busy_nodes[mixed_nodes]: a, "", resv=1, used=3, d, adu, ao -> 2 busy.
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, hosts_xml(queue_list("n1", 0, 0, "a") + queue_list("n2", 0, 0, "") +
                                               queue_list("n3", 0, 1, "") + queue_list("n4", 3, 0, "") +
                                               queue_list("n5", 1, 0, "d") + queue_list("n6", 2, 0, "adu") +
                                               queue_list("n7", 1, 0, "ao"))));
  SgeScheduler sge(runner, settings());
  auto busy = sge.busy_nodes();
  ASSERT_TRUE(busy.ok()) << busy.error().describe();
  EXPECT_EQ(*busy, 2);
  ASSERT_EQ(runner.specs.size(), 1u);
  EXPECT_EQ(runner.specs[0].argv, kHostsArgv);
  EXPECT_EQ(runner.specs[0].env.at("SGE_ROOT"), "/usr/share/gridengine");
  EXPECT_EQ(runner.specs[0].env.at("SGE_CELL"), "c1");
  EXPECT_EQ(runner.specs[0].timeout, std::chrono::milliseconds(60000));
}

TEST(SgeScheduler, BusyNodesCases) {
  struct Case {
    const char* name;
    std::string xml;
    int busy;
  } cases[] = {
      {"single_running_job", hosts_xml(queue_list("n1", 1, 0, "")), 1},
      {"unavailable_node", hosts_xml(queue_list("n1", 0, 0, "u")), 0},
      {"available_nodes", hosts_xml(queue_list("n1", 0, 0, "") + queue_list("n2", 0, 0, "")), 0},
      {"orphaned_node", hosts_xml(queue_list("n1", 2, 0, "o")), 0},
      {"suspended_or_error_without_slots", hosts_xml(queue_list("n1", 0, 0, "s") + queue_list("n2", 0, 0, "E")), 2},
      {"recorded_mix", recorded("sge/test_get_compute_nodes_info__qstat_output_mix.xml"), 1},
      {"empty_output", "", 0},
  };
  for (const Case& c : cases) {
    ScriptedRunner runner;
    runner.answers.push_back(exited(0, c.xml));
    SgeScheduler sge(runner, settings());
    auto busy = sge.busy_nodes();
    ASSERT_TRUE(busy.ok()) << c.name;
    EXPECT_EQ(*busy, c.busy) << c.name;
  }
}

TEST(SgeScheduler, BusyNodesIgnoresOtherQueues) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, hosts_xml("<Queue-List><name>other.q@n9</name><slots_used>2</slots_used></Queue-List>" +
                                               queue_list("n1", 1, 0, ""))));
  SgeScheduler sge(runner, settings());
  EXPECT_EQ(*sge.busy_nodes(), 1);
}

TEST(SgeScheduler, RequiredNodes) {
  struct Case {
    const char* name;
    std::string jobs;
    int required;
  } cases[] = {
      {"single_job", pending_job(1, "qw", 3), 1},
      {"multiple_jobs", pending_job(1, "qw", 10) + pending_job(2, "qw", 5) + pending_job(3, "qw", 1) +
                            pending_job(4, "qw", 40), 14},  // 56 slots / 4
      {"no_jobs", "", 0},
      {"held_jobs_ignored", pending_job(1, "hqw", 8) + pending_job(2, "qw", 1), 1},
      {"error_jobs_ignored", pending_job(1, "Eqw", 8) + pending_job(2, "qw", 5), 2},
      {"too_big_for_max_size_ignored", pending_job(1, "qw", 41) + pending_job(2, "qw", 4), 1},
      {"exactly_max_size_kept", pending_job(1, "qw", 40), 10},
  };
  for (const Case& c : cases) {
    ScriptedRunner runner;
    runner.answers.push_back(exited(0, pending_xml(c.jobs)));
    SgeScheduler sge(runner, settings());
    auto required = sge.required_nodes({4, 0}, 10);
    ASSERT_TRUE(required.ok()) << c.name << ": " << required.error().describe();
    EXPECT_EQ(*required, c.required) << c.name;
    EXPECT_EQ(runner.specs.at(0).argv, kPendingArgv) << c.name;
  }
}

TEST(SgeScheduler, RequiredNodesFiltersRealRecords) {
  // The recorded jobs mix as if it were -s p output (qstat then prints only pending jobs; the
  // parser takes every job_list): the held ones (hr, hr, hr, hqw) are left out, the rest add
  // 5 (r, r, r, s, r) + 3 (job 97) = 8 slots -> 2 four-slot nodes.
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, recorded("sge/test_get_jobs_info__qstat_output_mix.xml")));
  SgeScheduler sge(runner, settings());
  auto required = sge.required_nodes({4, 0}, 10);
  ASSERT_TRUE(required.ok());
  EXPECT_EQ(*required, 2);
}

TEST(SgeScheduler, RequiredNodesCountsArrayRanges) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, pending_xml("<job_list><JB_job_number>5</JB_job_number><state>qw</state>"
                                                 "<slots>2</slots><tasks>1-6:1</tasks></job_list>")));
  SgeScheduler sge(runner, settings());
  EXPECT_EQ(*sge.required_nodes({4, 0}, 10), 3);  // 6 tasks x 2 slots / 4
}

TEST(SgeScheduler, RequiredNodesRejectsZeroSlotNodesWithoutRunningAnything) {
  ScriptedRunner runner;
  SgeScheduler sge(runner, settings());
  auto r = sge.required_nodes({0, 0}, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(runner.specs.empty());
}

TEST(SgeScheduler, QueryFailuresAreUnavailable) {
  for (int variant = 0; variant < 2; ++variant) {
    ScriptedRunner runner;
    if (variant == 0) {
      runner.answers.push_back(timed_out());
    } else {
      runner.answers.push_back(exited(1, "", "error: commlib error: got select error (Connection refused)\n"
                                             "unable to contact qmaster using port 6444 on host \"sgemaster\"\n"));
    }
    SgeScheduler sge(runner, settings());
    auto busy = sge.busy_nodes();
    ASSERT_FALSE(busy.ok());
    EXPECT_EQ(busy.error().kind, ErrorKind::kUnavailable);
    EXPECT_NE(busy.error().message.find("/opt/cluster/bin/qstat"), std::string::npos) << busy.error().message;
    if (variant == 1) {
      EXPECT_NE(busy.error().message.find("commlib error"), std::string::npos);
    }
  }
}

TEST(SgeScheduler, GarbageOutputIsInvalidInput) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, "<job_info><queue_info>"));
  SgeScheduler sge(runner, settings());
  auto r = sge.required_nodes({4, 0}, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(r.error().message.find("qstat -xml -g dt -u '*' -s p"), std::string::npos) << r.error().message;
}

TEST(SgeScheduler, HasPendingJobs) {
  struct Case {
    const char* name;
    std::string jobs;
    bool pending;
  } cases[] = {
      {"single_job", pending_job(1, "qw", 2), true},
      {"multiple_jobs", pending_job(1, "qw", 2) + pending_job(2, "qw", 8), true},
      {"no_jobs", "", false},
      {"only_held", pending_job(1, "hqw", 2), false},
      {"only_too_big", pending_job(1, "qw", 41), false},
  };
  for (const Case& c : cases) {
    ScriptedRunner runner;
    runner.answers.push_back(exited(0, pending_xml(c.jobs)));
    SgeScheduler sge(runner, settings());
    auto r = sge.has_pending_jobs({4, 0}, 10);
    ASSERT_TRUE(r.ok()) << c.name;
    EXPECT_EQ(*r, c.pending) << c.name;
  }
  ScriptedRunner failing;
  failing.answers.push_back(timed_out());
  SgeScheduler sge(failing, settings());
  auto r = sge.has_pending_jobs({4, 0}, 10);
  ASSERT_FALSE(r.ok());  // failure: unknown, never "no pending jobs"
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
}

TEST(SgeScheduler, HasJobs) {
  const std::string running =
      "<job_info><queue_info><job_list state=\"running\"><JB_job_number>4</JB_job_number><state>r</state>"
      "<queue_name>all.q@ip-10-0-0-5.ec2.internal</queue_name><master>MASTER</master><slots>1</slots></job_list>"
      "</queue_info><job_info></job_info></job_info>";
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, running));
  runner.answers.push_back(exited(0, pending_xml("")));
  runner.answers.push_back(timed_out());
  SgeScheduler sge(runner, settings());
  auto yes = sge.has_jobs("ip-10-0-0-5.ec2.internal");
  ASSERT_TRUE(yes.ok());
  EXPECT_TRUE(*yes);
  EXPECT_EQ(runner.specs[0].argv, (Argv{"/opt/cluster/bin/qstat", "-xml", "-g", "dt", "-u", "*", "-l",
                                        "hostname=ip-10-0-0-5", "-s", "rs"}));
  auto no = sge.has_jobs("ip-10-0-0-5");
  ASSERT_TRUE(no.ok());
  EXPECT_FALSE(*no);
  auto failed = sge.has_jobs("ip-10-0-0-5");
  ASSERT_FALSE(failed.ok());  // the original said "no jobs" here
  EXPECT_EQ(failed.error().kind, ErrorKind::kUnavailable);
}

TEST(SgeScheduler, NodeHealth) {
  struct Case {
    const char* name;
    std::string host;
    Result<CommandOutput> answer;
    std::optional<sched::NodeHealth> health;  // nullopt: error expected
  } cases[] = {
      {"healthy", "ip-10-0-0-5", exited(0, hosts_xml(queue_list("ip-10-0-0-5.ec2.internal", 0, 0, ""))),
       sched::NodeHealth::kUp},
      {"healthy_short", "ip-10-0-0-5", exited(0, hosts_xml(queue_list("ip-10-0-0-5", 0, 0, ""))),
       sched::NodeHealth::kUp},
      {"locked_by_us", "n1", exited(0, hosts_xml(queue_list("n1", 0, 0, "d"))), sched::NodeHealth::kUp},
      {"alarm_only", "n1", exited(0, hosts_xml(queue_list("n1", 0, 0, "a"))), sched::NodeHealth::kUp},
      {"not_attached", "n1", exited(0, hosts_xml("")), sched::NodeHealth::kMissing},
      {"empty_output", "n1", exited(0, ""), sched::NodeHealth::kMissing},
      {"other_host_only", "n1", exited(0, hosts_xml(queue_list("n10", 0, 0, ""))), sched::NodeHealth::kMissing},
      {"error_state", "n1", exited(0, hosts_xml(queue_list("n1", 0, 0, "E"))), sched::NodeHealth::kDown},
      {"unknown_state", "n1", exited(0, hosts_xml(queue_list("n1", 1, 0, "au"))), sched::NodeHealth::kDown},
      {"orphaned", "n1", exited(0, hosts_xml(queue_list("n1", 1, 0, "do"))), sched::NodeHealth::kDown},
      {"exception", "n1", timed_out(), std::nullopt},
  };
  for (const Case& c : cases) {
    ScriptedRunner runner;
    runner.answers.push_back(c.answer);
    SgeScheduler sge(runner, settings());
    auto h = sge.node_health(c.host);
    ASSERT_EQ(runner.specs.size(), 1u) << c.name;  // a timeout is not retried unfiltered
    EXPECT_EQ(runner.specs[0].argv, (Argv{"/opt/cluster/bin/qstat", "-xml", "-g", "dt", "-u", "*", "-f", "-l",
                                          "hostname=" + c.host}))
        << c.name;
    if (!c.health) {
      ASSERT_FALSE(h.ok()) << c.name;
      EXPECT_EQ(h.error().kind, ErrorKind::kUnavailable) << c.name;  // never "down"
      continue;
    }
    ASSERT_TRUE(h.ok()) << c.name << ": " << h.error().describe();
    EXPECT_EQ(*h, *c.health) << c.name;
  }
}

TEST(SgeScheduler, PerHostQueriesFallBackToTheFullListing) {
  // SGE 8.1.9 answers `-l hostname=<a name it cannot resolve>` with exit status 1 and no output.
  const CommandOutput refusal = exited(1, "", "");
  {  // the unfiltered listing answers: the host is absent
    ScriptedRunner runner;
    runner.answers.push_back(refusal);
    runner.answers.push_back(exited(0, hosts_xml(queue_list("n2", 0, 0, ""))));
    SgeScheduler sge(runner, settings());
    auto h = sge.node_health("n1");
    ASSERT_TRUE(h.ok()) << h.error().describe();
    EXPECT_EQ(*h, sched::NodeHealth::kMissing);
    ASSERT_EQ(runner.specs.size(), 2u);
    EXPECT_EQ(runner.specs[1].argv, kHostsArgv);
  }
  {  // ...or present and broken
    ScriptedRunner runner;
    runner.answers.push_back(refusal);
    runner.answers.push_back(exited(0, hosts_xml(queue_list("n2", 0, 0, "") + queue_list("n1", 0, 0, "u"))));
    SgeScheduler sge(runner, settings());
    EXPECT_EQ(*sge.node_health("n1"), sched::NodeHealth::kDown);
  }
  {  // both fail: unknown, with the first failure's words
    ScriptedRunner runner;
    runner.answers.push_back(exited(1, "", "unable to contact qmaster using port 6444 on host \"m\"\n"));
    runner.answers.push_back(exited(1, "", "something else\n"));
    SgeScheduler sge(runner, settings());
    auto h = sge.node_health("n1");
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.error().kind, ErrorKind::kUnavailable);
    EXPECT_NE(h.error().message.find("unable to contact qmaster"), std::string::npos);
  }
  {  // has_jobs: the unfiltered running jobs, filtered by host here
    const std::string running =
        "<job_info><queue_info>"
        "<job_list state=\"running\"><JB_job_number>4</JB_job_number><state>r</state>"
        "<queue_name>all.q@n2</queue_name><slots>1</slots></job_list>"
        "<job_list state=\"running\"><JB_job_number>5</JB_job_number><state>r</state>"
        "<queue_name>all.q@n10</queue_name><slots>1</slots></job_list>"
        "</queue_info><job_info></job_info></job_info>";
    ScriptedRunner runner;
    runner.answers.push_back(refusal);
    runner.answers.push_back(exited(0, running));
    runner.answers.push_back(refusal);
    runner.answers.push_back(exited(0, running));
    SgeScheduler sge(runner, settings());
    EXPECT_FALSE(*sge.has_jobs("n1"));
    EXPECT_TRUE(*sge.has_jobs("n2"));
    EXPECT_EQ(runner.specs[1].argv, (Argv{"/opt/cluster/bin/qstat", "-xml", "-g", "dt", "-u", "*", "-s", "rs"}));
  }
}

TEST(SgeScheduler, LockAndUnlock) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, "root@sgemaster changed state of \"all.q@n4\" (disabled)\n"));
  runner.answers.push_back(exited(0, "root@sgemaster changed state of \"all.q@n4\" (enabled)\n"));
  SgeSettings s = settings();
  s.queue = "compute.q";
  SgeScheduler sge(runner, s);
  ASSERT_TRUE(sge.lock_host("n4").ok());
  ASSERT_TRUE(sge.unlock_host("n4").ok());
  EXPECT_EQ(runner.argvs(), (std::vector<Argv>{{"/opt/cluster/bin/qmod", "-d", "compute.q@n4"},
                                                {"/opt/cluster/bin/qmod", "-e", "compute.q@n4"}}));
}

TEST(SgeScheduler, LockFailures) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(1, "", "unable to contact qmaster using port 6444 on host \"m\"\n"));
  runner.answers.push_back(exited(1, "", "invalid queue \"all.q@zz\"\n"));
  runner.answers.push_back(timed_out());
  runner.answers.push_back(exited(1, "Queue instance \"all.q@n1\" is already in the specified state: disabled\n"));
  SgeScheduler sge(runner, settings());
  auto a = sge.lock_host("n1");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, ErrorKind::kUnavailable);
  auto b = sge.lock_host("zz");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().kind, ErrorKind::kNotFound);
  auto c = sge.unlock_host("n1");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kUnavailable);
  EXPECT_TRUE(sge.lock_host("n1").ok());  // locking twice is fine
}

TEST(SgeScheduler, BadHostNamesNeverReachAnArgv) {
  ScriptedRunner runner;
  SgeScheduler sge(runner, settings());
  for (const std::string bad : {"", "a b", "a,b", "all.q@x", "x\"y", "x'y", "x;rm", "$(id)", "`id`", "-d",
                                "a|b", "a&b", "a>b", "a\nb", "*"}) {
    EXPECT_EQ(sge.has_jobs(bad).error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(sge.node_health(bad).error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(sge.lock_host(bad).error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(sge.unlock_host(bad).error().kind, ErrorKind::kInvalidInput) << bad;
  }
  EXPECT_TRUE(runner.specs.empty());
}

TEST(SgeScheduler, EmptyBinDirUsesPath) {
  ScriptedRunner runner;
  SgeScheduler sge(runner, SgeSettings{});
  ASSERT_TRUE(sge.busy_nodes().ok());
  EXPECT_EQ(runner.specs.at(0).argv.at(0), "qstat");
  EXPECT_TRUE(runner.specs.at(0).env.empty());
  EXPECT_EQ(sge.name(), "sge");
}

}  // namespace
}  // namespace ebbflow::sge
