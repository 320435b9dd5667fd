// SgeScheduler::add_hosts / remove_hosts (sqswatcher, reference 3.4): the exact qconf argv in
// order, per-host outcomes from the real SGE 8.1.9 messages (sge-local-cluster.md section 4),
// stop-at-first-failure on add, every step on remove, idempotence, and whole-call failures.
#include <gtest/gtest.h>

#include "scheduler/sge/sge_scheduler.h"
#include "scripted_runner.h"

namespace ebbflow::sge {
namespace {

using ebbflow::testing::exited;
using ebbflow::testing::ScriptedRunner;
using ebbflow::testing::timed_out;
using Argv = std::vector<std::string>;

SgeSettings settings() {
  SgeSettings s;
  s.bin_dir = "/c/bin";
  return s;
}

Argv qconf(std::initializer_list<std::string> args) {
  Argv argv{"/c/bin/qconf"};
  argv.insert(argv.end(), args);
  return argv;
}

const std::string kModifiedQueue = "root@sgemaster modified \"all.q\" in cluster queue list\n";
const std::string kModifiedGroup = "root@sgemaster modified \"@allhosts\" in host group list\n";

TEST(SgeAddHosts, RegistersHostsInOrderAndReportsEachOutcome) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(1, "adminhost \"n1\" already exists\nn2 added to administrative host list\n",
                                  "can't resolve hostname \"nosuchhost\"\n"));
  runner.answers.push_back(exited(0, "submithost \"n1\" already exists\nn2 added to submit host list\n"));
  runner.answers.push_back(exited(0, "No modification because \"n1\" already exists in \"hostlist\" of \"hostgroup\"\n"));
  runner.answers.push_back(exited(0, kModifiedQueue));
  runner.answers.push_back(exited(0, kModifiedGroup));
  // A host coming back with another slot count: -aattr leaves the old entry, -mattr sets it.
  runner.answers.push_back(exited(0, "No modification because \"n2\" already exists in \"slots\" of \"queue\"\n"));
  runner.answers.push_back(exited(0, kModifiedQueue));
  SgeScheduler sge(runner, settings());
  auto r = sge.add_hosts({{"i-1", "n1", 4, 0}, {"i-2", "n2", 2, 0}, {"i-3", "x y", 1, 0}, {"i-4", "nosuchhost", 1, 0}});
  EXPECT_EQ(r.succeeded, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(r.failed, (std::vector<std::string>{"x y", "nosuchhost"}));
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_NE(r.messages[0].find("refusing host name"), std::string::npos) << r.messages[0];
  EXPECT_NE(r.messages[1].find("can't resolve hostname"), std::string::npos) << r.messages[1];
  EXPECT_EQ(runner.argvs(), (std::vector<Argv>{
                                qconf({"-ah", "n1,n2,nosuchhost"}),
                                qconf({"-as", "n1,n2"}),
                                qconf({"-aattr", "hostgroup", "hostlist", "n1", "@allhosts"}),
                                qconf({"-aattr", "queue", "slots", "[n1=4]", "all.q"}),
                                qconf({"-aattr", "hostgroup", "hostlist", "n2", "@allhosts"}),
                                qconf({"-aattr", "queue", "slots", "[n2=2]", "all.q"}),
                                qconf({"-mattr", "queue", "slots", "[n2=2]", "all.q"}),
                            }));
}

TEST(SgeAddHosts, StopsAtAHostsFirstFailingStep) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, "n1 added to administrative host list\nn2 added to administrative host list\n"));
  runner.answers.push_back(exited(0, "n1 added to submit host list\n"));  // no line for n2
  runner.answers.push_back(exited(1, "", "error: host group \"@allhosts\" does not exist\n"));
  SgeScheduler sge(runner, settings());
  auto r = sge.add_hosts({{"i-1", "n1", 4, 0}, {"i-2", "n2", 4, 0}});
  EXPECT_TRUE(r.succeeded.empty());
  EXPECT_EQ(r.failed, (std::vector<std::string>{"n2", "n1"}));
  EXPECT_NE(r.messages[0].find("no reply line"), std::string::npos) << r.messages[0];
  EXPECT_NE(r.messages[1].find("@allhosts"), std::string::npos) << r.messages[1];
  // n1 never got its slots step; n2 stopped after -as.
  ASSERT_EQ(runner.specs.size(), 3u);
  EXPECT_EQ(runner.specs[2].argv, qconf({"-aattr", "hostgroup", "hostlist", "n1", "@allhosts"}));
}

TEST(SgeAddHosts, WholeCallFailures) {
  {  // qconf cannot run at all: every host failed, nothing else attempted
    ScriptedRunner runner;
    runner.answers.push_back(timed_out());
    SgeScheduler sge(runner, settings());
    auto r = sge.add_hosts({{"i-1", "n1", 4, 0}, {"i-2", "n2", 4, 0}});
    EXPECT_TRUE(r.succeeded.empty());
    EXPECT_EQ(r.failed.size(), 2u);
    EXPECT_EQ(runner.specs.size(), 1u);
  }
  {  // the qmaster goes away in the middle: the remaining hosts fail without more commands
    ScriptedRunner runner;
    runner.answers.push_back(exited(0, "n1 added to administrative host list\nn2 added to administrative host list\n"));
    runner.answers.push_back(exited(0, "n1 added to submit host list\nn2 added to submit host list\n"));
    runner.answers.push_back(exited(1, "", "unable to contact qmaster using port 6444 on host \"m\"\n"));
    SgeScheduler sge(runner, settings());
    auto r = sge.add_hosts({{"i-1", "n1", 4, 0}, {"i-2", "n2", 4, 0}});
    EXPECT_TRUE(r.succeeded.empty());
    EXPECT_EQ(r.failed, (std::vector<std::string>{"n1", "n2"}));
    EXPECT_EQ(runner.specs.size(), 3u);
  }
  {  // nothing valid: no command at all
    ScriptedRunner runner;
    SgeScheduler sge(runner, settings());
    auto r = sge.add_hosts({{"i-1", "n1;reboot", 4, 0}, {"i-2", "n2", 0, 0}});
    EXPECT_EQ(r.failed.size(), 2u);
    EXPECT_TRUE(runner.specs.empty());
    EXPECT_TRUE(sge.add_hosts({}).failed.empty());
    EXPECT_TRUE(runner.specs.empty());
  }
}

TEST(SgeAddHosts, RefusalWithExitZeroIsAFailure) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, "n1 added to administrative host list\n"));
  runner.answers.push_back(exited(0, "n1 added to submit host list\n"));
  runner.answers.push_back(exited(0, "", "denied: host \"n1\" is neither submit nor admin host\n"));
  SgeScheduler sge(runner, settings());
  auto r = sge.add_hosts({{"i-1", "n1", 4, 0}});
  EXPECT_EQ(r.failed, (std::vector<std::string>{"n1"}));
}

TEST(SgeRemoveHosts, EveryStepInTheOrderSgeAccepts) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, kModifiedQueue));                                 // -purge n1
  runner.answers.push_back(exited(0, kModifiedGroup));                                 // -dattr n1
  runner.answers.push_back(exited(1, "", "\"all.q@n2\" does not exist\n"));            // -purge n2: gone already
  runner.answers.push_back(exited(1, "", "denied: \"n2\" does not exist in \"hostlist\" of \"hostgroup\"\n"));
  runner.answers.push_back(exited(1, "root@sgemaster removed \"n1\" from execution host list\n",
                                  "Host object \"n2\" is still referenced in cluster queue \"all.q\".\n"));
  runner.answers.push_back(exited(0, "root@sgemaster removed \"n1\" from submit host list\n"
                                     "root@sgemaster removed \"n2\" from submit host list\n"));
  runner.answers.push_back(exited(1, "root@sgemaster removed \"n1\" from administrative host list\n",
                                  "denied: administrative host \"n2\" does not exist\n"));
  SgeScheduler sge(runner, settings());
  auto r = sge.remove_hosts({{"i-1", "n1", 4, 0}, {"i-2", "n2", 4, 0}});
  EXPECT_EQ(r.succeeded, (std::vector<std::string>{"n1"}));
  EXPECT_EQ(r.failed, (std::vector<std::string>{"n2"}));
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_NE(r.messages[0].find("still referenced"), std::string::npos) << r.messages[0];
  EXPECT_EQ(runner.argvs(), (std::vector<Argv>{
                                qconf({"-purge", "queue", "*", "all.q@n1"}),
                                qconf({"-dattr", "hostgroup", "hostlist", "n1", "@allhosts"}),
                                qconf({"-purge", "queue", "*", "all.q@n2"}),
                                qconf({"-dattr", "hostgroup", "hostlist", "n2", "@allhosts"}),
                                qconf({"-de", "n1,n2"}),
                                qconf({"-ds", "n1,n2"}),
                                qconf({"-dh", "n1,n2"}),
                            }));
}

TEST(SgeRemoveHosts, RemovingAnAbsentHostSucceeds) {
  // The replies of SGE 8.1.9 for a host removed before (recorded by sge_live_test's cell).
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, "Attribute name (\"*\") and/or value (\"n9\") not found\n"));
  runner.answers.push_back(exited(0, "\"n9\" does not exist in \"hostlist\" of \"hostgroup\"\n"
                                     "root@sgemaster modified \"@allhosts\" in host group list\n"));
  runner.answers.push_back(exited(1, "", "denied: execution host \"n9\" does not exist\n"));
  runner.answers.push_back(exited(1, "", "denied: submit host \"n9\" does not exist\n"));
  runner.answers.push_back(exited(1, "", "denied: administrative host \"n9\" does not exist\n"));
  SgeScheduler sge(runner, settings());
  auto r = sge.remove_hosts({{"i-9", "n9", 1, 0}});
  EXPECT_EQ(r.succeeded, (std::vector<std::string>{"n9"}));
  EXPECT_TRUE(r.failed.empty());
}

TEST(SgeRemoveHosts, ReferenceStepRefusalsMatterOnlyIfTheHostStays) {
  {  // -purge refused, but the host leaves every list: removed
    ScriptedRunner runner;
    runner.answers.push_back(exited(1, "", "some other complaint about \"all.q@n1\"\n"));
    runner.answers.push_back(exited(0, kModifiedGroup));
    runner.answers.push_back(exited(0, "root@m removed \"n1\" from execution host list\n"));
    runner.answers.push_back(exited(0, "root@m removed \"n1\" from submit host list\n"));
    runner.answers.push_back(exited(0, "root@m removed \"n1\" from administrative host list\n"));
    SgeScheduler sge(runner, settings());
    auto r = sge.remove_hosts({{"i-1", "n1", 1, 0}});
    EXPECT_EQ(r.succeeded, (std::vector<std::string>{"n1"}));
    EXPECT_TRUE(r.messages.empty());
  }
  {  // -dattr refused and -de refused: failed, and the message carries both
    ScriptedRunner runner;
    runner.answers.push_back(exited(0, kModifiedQueue));
    runner.answers.push_back(exited(1, "", "denied: host \"head\" is no admin host\n"));
    runner.answers.push_back(exited(1, "", "Host object \"n1\" is still referenced in cluster queue \"all.q\".\n"));
    SgeScheduler sge(runner, settings());
    auto r = sge.remove_hosts({{"i-1", "n1", 1, 0}});
    EXPECT_EQ(r.failed, (std::vector<std::string>{"n1"}));
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_NE(r.messages[0].find("still referenced"), std::string::npos) << r.messages[0];
    EXPECT_NE(r.messages[0].find("no admin host"), std::string::npos) << r.messages[0];
    EXPECT_EQ(runner.specs.size(), 5u);  // every step still attempted
  }
}

TEST(SgeRemoveHosts, QmasterUnreachableFailsTheBatchAtOnce) {
  ScriptedRunner runner;
  runner.answers.push_back(timed_out());
  SgeScheduler sge(runner, settings());
  auto r = sge.remove_hosts({{"i-1", "n1", 1, 0}, {"i-2", "n2", 1, 0}, {"i-3", "bad,name", 1, 0}});
  EXPECT_TRUE(r.succeeded.empty());
  EXPECT_EQ(r.failed, (std::vector<std::string>{"bad,name", "n1", "n2"}));
  EXPECT_EQ(runner.specs.size(), 1u);
}

TEST(SgeHosts, CustomQueueAndHostgroupAndEnvironment) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, "n1 added to administrative host list\n"));
  runner.answers.push_back(exited(0, "n1 added to submit host list\n"));
  SgeSettings s = settings();
  s.queue = "batch.q";
  s.hostgroup = "@compute";
  s.env = {{"SGE_ROOT", "/var/lib/gridengine"}};
  SgeScheduler sge(runner, s);
  auto r = sge.add_hosts({{"i-1", "n1", 3, 0}});
  EXPECT_EQ(r.succeeded, (std::vector<std::string>{"n1"}));
  ASSERT_EQ(runner.specs.size(), 4u);
  EXPECT_EQ(runner.specs[2].argv, qconf({"-aattr", "hostgroup", "hostlist", "n1", "@compute"}));
  EXPECT_EQ(runner.specs[3].argv, qconf({"-aattr", "queue", "slots", "[n1=3]", "batch.q"}));
  for (const auto& spec : runner.specs) EXPECT_EQ(spec.env.at("SGE_ROOT"), "/var/lib/gridengine");
}

}  // namespace
}  // namespace ebbflow::sge
