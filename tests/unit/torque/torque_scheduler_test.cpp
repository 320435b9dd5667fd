// TorqueScheduler with a scripted CommandRunner (reference 2.4, 3.4, 4.4, 12.2): exact argv,
// decisions from recorded and hand-written outputs, failure mapping. Torque cannot be installed
// on this machine, so nothing here has been run against a live pbs_server.
#include <gtest/gtest.h>

#include "../sge/scripted_runner.h"
#include "scheduler/torque/torque_scheduler.h"

namespace ebbflow::torque {
namespace {

using ebbflow::testing::exited;
using ebbflow::testing::recorded;
using ebbflow::testing::ScriptedRunner;
using ebbflow::testing::timed_out;
using Argv = std::vector<std::string>;
using Strings = std::vector<std::string>;

const Argv kQstat{"/opt/torque/bin/qstat", "-t", "-x"};
const Argv kPbsnodes{"/opt/torque/bin/pbsnodes", "-x"};

std::string node(const std::string& name, const std::string& state, const std::string& jobs = "",
                 const std::string& note = "") {
  return "<Node><name>" + name + "</name><state>" + state + "</state><np>4</np>" +
         (jobs.empty() ? "" : "<jobs>" + jobs + "</jobs>") + (note.empty() ? "" : "<note>" + note + "</note>") +
         "</Node>";
}

std::string data(const std::string& inner) { return "<Data>" + inner + "</Data>"; }

std::string job(const std::string& id, const std::string& state, const std::string& resources,
                const std::string& exec_host = "") {
  return "<Job><Job_Id>" + id + "</Job_Id><job_state>" + state + "</job_state>" +
         (exec_host.empty() ? "" : "<exec_host>" + exec_host + "</exec_host>") + "<Resource_List>" + resources +
         "</Resource_List></Job>";
}

std::string qstat_xml(const std::string& jobs) { return "<?xml version=\"1.0\"?>\n<Data>" + jobs + "</Data>"; }

TEST(TorqueScheduler, BusyNodes) {
  struct Case {
    const char* name;
    std::string output;
    int busy;
  } cases[] = {
      {"single_node_free", data(node("n1", "free")), 0},
      {"single_node_busy", data(node("n1", "job-exclusive", "0/1.server")), 1},
      {"multiple_nodes", data(node("n1", "free") + node("n2", "job-sharing", "1/2.s") + node("n3", "free", "0/3.s,1/3.s") +
                              node("head", "free", "0/9.s", "MasterServer")),
       2},
      {"no_nodes", "", 0},
      {"offline", data(node("n1", "offline")), 0},
      {"initializing", data(node("n1", "down,offline,MOM-list-not-sent") + node("n2", "state-unknown,MOM-list-not-sent")), 0},
      {"state_unknown_counts", data(node("n1", "state-unknown,down")), 1},
      {"recorded", recorded("torque/test_get_compute_nodes_info__pbsnodes_output.xml"), 1},
  };
  for (const Case& c : cases) {
    ScriptedRunner runner;
    runner.answers.push_back(exited(0, c.output));
    TorqueScheduler torque(runner, TorqueSettings{});
    auto busy = torque.busy_nodes();
    ASSERT_TRUE(busy.ok()) << c.name << ": " << busy.error().describe();
    EXPECT_EQ(*busy, c.busy) << c.name;
    EXPECT_EQ(runner.specs.at(0).argv, kPbsnodes) << c.name;
    EXPECT_EQ(runner.specs.at(0).timeout, std::chrono::milliseconds(60000));
  }
}

TEST(TorqueScheduler, BusyNodesFailures) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(1, "", "pbsnodes: cannot connect to server head, error=111 (Connection refused)\n"));
  runner.answers.push_back(timed_out());
  runner.answers.push_back(exited(1, "", "pbsnodes: Server has no node list MSG=node list is empty\n"));
  TorqueScheduler torque(runner, TorqueSettings{});
  auto a = torque.busy_nodes();
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(a.error().message.find("cannot connect"), std::string::npos);
  auto b = torque.busy_nodes();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().kind, ErrorKind::kUnavailable);
  auto c = torque.busy_nodes();  // an empty server is an answer
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, 0);
}

TEST(TorqueScheduler, RequiredNodes) {
  struct Case {
    const char* name;
    std::string jobs;
    int required;
  } cases[] = {
      {"single_job", job("1.s", "Q", "<nodes>1:ppn=2</nodes><nodect>1</nodect>"), 1},
      {"multiple_jobs",
       job("1.s", "Q", "<ncpus>4</ncpus>") + job("2.s", "Q", "<nodes>1:ppn=2+1:ppn=4</nodes><nodect>2</nodect>") +
           job("3.s", "Q", "<nodes>1:ppn=2</nodes><nodect>1</nodect>") + job("4.s", "Q", "<nodect>2</nodect>") +
           job("5.s", "R", "<nodes>1:ppn=4</nodes>", "n1/0-3"),
       5},
      {"no_jobs", "", 0},
      {"three_full_nodes", job("1.s", "Q", "<nodes>2:ppn=4</nodes><nodect>2</nodect>") + job("2.s", "Q", "<nodect>1</nodect>"),
       3},
      {"ppn_above_slots_ignored", job("1.s", "Q", "<nodes>1:ppn=2+1:ppn=5</nodes>") + job("2.s", "Q", "<nodes>1:ppn=1</nodes>"), 1},
      {"ncpus_above_slots_ignored", job("1.s", "Q", "<ncpus>5</ncpus>"), 0},
      {"more_nodes_than_max_size_ignored", job("1.s", "Q", "<nodes>11</nodes>") + job("2.s", "Q", "<nodect>11</nodect>"), 0},
      {"held_and_waiting_ignored", job("1.s", "H", "<nodect>1</nodect>") + job("2.s", "W", "<nodect>1</nodect>"), 0},
      {"no_resources_means_one_node", job("1.s", "Q", ""), 1},
  };
  for (const Case& c : cases) {
    ScriptedRunner runner;
    runner.answers.push_back(exited(0, qstat_xml(c.jobs)));
    TorqueScheduler torque(runner, TorqueSettings{});
    auto required = torque.required_nodes({4, 0}, 10);
    ASSERT_TRUE(required.ok()) << c.name << ": " << required.error().describe();
    EXPECT_EQ(*required, c.required) << c.name;
    EXPECT_EQ(runner.specs.at(0).argv, kQstat) << c.name;
  }
}

TEST(TorqueScheduler, RequiredNodesFromRecordedOutput) {
  // Queued: 152 (1:ppn=2+2:ppn=3) and three 166[] tasks (1:ppn=4+8:ppn=1) on 4-slot nodes.
  // 152: one node with 2 slots, then two new nodes with 3 (3 nodes). 166[1]: a new full node,
  // then 8 one-slot parts: 3 fit the leftovers, 5 open nodes (9). 166[2]: a new full node, 6
  // parts fit, 2 open nodes (12). 166[3]: a new full node, 7 parts fit, 1 opens a node (14).
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, recorded("torque/test_get_jobs_info__qstat_output.xml")));
  TorqueScheduler torque(runner, TorqueSettings{});
  auto required = torque.required_nodes({4, 0}, 20);
  ASSERT_TRUE(required.ok());
  EXPECT_EQ(*required, 14);
  // With max_size 8 the 9-node array tasks cannot run however many nodes come: only 152 counts.
  runner.answers.push_back(exited(0, recorded("torque/test_get_jobs_info__qstat_output.xml")));
  EXPECT_EQ(*torque.required_nodes({4, 0}, 8), 3);
}

TEST(TorqueScheduler, RequiredNodesReferencePendingMix) {
  // test_get_pending_jobs_info[mix]: with max 5 slots the 1:ppn=2+1:ppn=6 job is dropped.
  const std::string jobs = qstat_xml(job("149.s", "Q", "<nodes>1:ppn=2+1:ppn=5</nodes><nodect>2</nodect>") +
                                     job("150.s", "Q", "<ncpus>4</ncpus>") +
                                     job("151.s", "Q", "<nodes>1:ppn=2+1:ppn=6</nodes><nodect>2</nodect>"));
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, jobs));
  runner.answers.push_back(exited(0, jobs));
  TorqueScheduler torque(runner, TorqueSettings{});
  // 5-slot nodes: 149 takes 2 + 5 on two nodes, 150's 4 slots need a third.
  EXPECT_EQ(*torque.required_nodes({5, 0}, 10), 3);
  // 4-slot nodes: only 150 can ever run.
  EXPECT_EQ(*torque.required_nodes({4, 0}, 10), 1);
}

TEST(TorqueScheduler, HasPendingJobs) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, qstat_xml(job("1.s", "Q", "<nodes>1:ppn=2</nodes>"))));
  runner.answers.push_back(exited(0, qstat_xml(job("1.s", "Q", "<nodes>1:ppn=8</nodes>"))));
  runner.answers.push_back(exited(0, ""));
  runner.answers.push_back(exited(2, "", "qstat: cannot connect to server"));
  TorqueScheduler torque(runner, TorqueSettings{});
  EXPECT_TRUE(*torque.has_pending_jobs({4, 0}, 10));
  EXPECT_FALSE(*torque.has_pending_jobs({4, 0}, 10));  // ppn 8 > 4 slots
  EXPECT_FALSE(*torque.has_pending_jobs({4, 0}, 10));
  auto failed = torque.has_pending_jobs({4, 0}, 10);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::kUnavailable);
}

TEST(TorqueScheduler, HasJobs) {
  const std::string output = recorded("torque/test_get_jobs_info__qstat_output.xml");
  ScriptedRunner runner;
  for (int i = 0; i < 3; ++i) runner.answers.push_back(exited(0, output));
  runner.answers.push_back(exited(0, qstat_xml(job("1.s", "S", "", "n5/0")) ));
  runner.answers.push_back(timed_out());
  TorqueScheduler torque(runner, TorqueSettings{});
  EXPECT_TRUE(*torque.has_jobs("ip-10-0-1-95"));                       // second host of job 150
  EXPECT_TRUE(*torque.has_jobs("ip-10-0-1-168.eu-west-1.compute.internal"));
  EXPECT_FALSE(*torque.has_jobs("ip-10-0-1-242"));
  EXPECT_TRUE(*torque.has_jobs("n5"));                                 // suspended counts
  auto failed = torque.has_jobs("n5");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::kUnavailable);
  for (const auto& spec : runner.specs) EXPECT_EQ(spec.argv, kQstat);
}

TEST(TorqueScheduler, NodeHealth) {
  struct Case {
    const char* name;
    Result<CommandOutput> answer;
    std::optional<sched::NodeHealth> health;
  } cases[] = {
      {"healthy", exited(0, data(node("n1", "free"))), sched::NodeHealth::kUp},
      {"busy", exited(0, data(node("n1", "job-exclusive", "0/1.s"))), sched::NodeHealth::kUp},
      {"locked_by_us", exited(0, data(node("n1", "offline"))), sched::NodeHealth::kUp},
      {"not_attached", exited(153, "", "pbsnodes: Unknown node  MSG=cannot locate specified node\n"), sched::NodeHealth::kMissing},
      {"not_in_output", exited(0, data(node("n10", "free"))), sched::NodeHealth::kMissing},
      {"error_state", exited(0, data(node("n1", "down,offline"))), sched::NodeHealth::kDown},
      {"unknown_state", exited(0, data(node("n1", "state-unknown"))), sched::NodeHealth::kDown},
      {"exception", timed_out(), std::nullopt},
      {"server_down", exited(1, "", "pbsnodes: cannot connect to server head\n"), std::nullopt},
  };
  for (const Case& c : cases) {
    ScriptedRunner runner;
    runner.answers.push_back(c.answer);
    TorqueScheduler torque(runner, TorqueSettings{});
    auto h = torque.node_health("n1.cluster.local");
    EXPECT_EQ(runner.specs.at(0).argv, (Argv{"/opt/torque/bin/pbsnodes", "-x", "n1"})) << c.name;
    if (!c.health) {
      ASSERT_FALSE(h.ok()) << c.name;
      EXPECT_EQ(h.error().kind, ErrorKind::kUnavailable) << c.name;
      continue;
    }
    ASSERT_TRUE(h.ok()) << c.name << ": " << h.error().describe();
    EXPECT_EQ(*h, *c.health) << c.name;
  }
}

TEST(TorqueScheduler, LockAndUnlock) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, ""));
  runner.answers.push_back(exited(0, ""));
  runner.answers.push_back(exited(153, "", "pbsnodes: Unknown node  MSG=cannot locate specified node\n"));
  runner.answers.push_back(exited(1, "", "pbsnodes: cannot connect to server head\n"));
  TorqueSettings s;
  s.bin_dir = "/c/bin";
  s.env = {{"PBS_DEFAULT", "head"}};
  TorqueScheduler torque(runner, s);
  EXPECT_TRUE(torque.lock_host("n1.ec2.internal").ok());
  EXPECT_TRUE(torque.unlock_host("n1").ok());
  EXPECT_EQ(torque.lock_host("n9").error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(torque.lock_host("n1").error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(runner.specs[0].argv, (Argv{"/c/bin/pbsnodes", "-o", "n1"}));
  EXPECT_EQ(runner.specs[1].argv, (Argv{"/c/bin/pbsnodes", "-c", "n1"}));
  EXPECT_EQ(runner.specs[0].env.at("PBS_DEFAULT"), "head");
}

TEST(TorqueScheduler, BadHostNamesNeverReachAnArgv) {
  ScriptedRunner runner;
  TorqueScheduler torque(runner, TorqueSettings{});
  for (const std::string bad : {"", "a b", "a,b", "q@h", "x\"y", "x'y", "x;y", "$(id)", "-c", "a np=9"}) {
    EXPECT_EQ(torque.node_health(bad).error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(torque.lock_host(bad).error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(torque.unlock_host(bad).error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(torque.has_jobs(bad).error().kind, ErrorKind::kInvalidInput) << bad;
  }
  auto add = torque.add_hosts({{"i-1", "a np=9", 4, 0}, {"i-2", "b\"; delete node c", 4, 0}});
  EXPECT_EQ(add.failed.size(), 2u);
  auto remove = torque.remove_hosts({{"i-1", "a,b", 4, 0}});
  EXPECT_EQ(remove.failed.size(), 1u);
  EXPECT_TRUE(runner.specs.empty());
}

TEST(TorqueAddHosts, OneQmgrCallPerSlotCount) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, "qmgr obj=n1 svr=default: Node name already exists\n"));
  runner.answers.push_back(exited(1, "", "qmgr obj=n3 svr=default: Error\n"));
  TorqueScheduler torque(runner, TorqueSettings{});
  auto r = torque.add_hosts({{"i-1", "n1", 4, 0}, {"i-2", "n2", 4, 0}, {"i-3", "n3", 8, 0}, {"i-4", "n4", 0, 0}});
  EXPECT_EQ(runner.argvs(), (std::vector<Argv>{{"/opt/torque/bin/qmgr", "-c", "create node n1,n2 np=4"},
                                                {"/opt/torque/bin/qmgr", "-c", "create node n3 np=8"}}));
  EXPECT_EQ(r.succeeded, (Strings{"n1", "n2"}));
  EXPECT_EQ(r.failed, (Strings{"n4", "n3"}));
  EXPECT_NE(r.messages[1].find("Error"), std::string::npos);
}

TEST(TorqueAddHosts, FailuresWithoutPerNodeLines) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, "unexpected error message\n"));
  runner.answers.push_back(exited(3, "", ""));
  runner.answers.push_back(timed_out());
  TorqueScheduler torque(runner, TorqueSettings{});
  EXPECT_EQ(torque.add_hosts({{"i-1", "n1", 4, 0}, {"i-2", "n2", 4, 0}}).failed, (Strings{"n1", "n2"}));
  auto silent = torque.add_hosts({{"i-1", "n1", 4, 0}});
  EXPECT_EQ(silent.failed, (Strings{"n1"}));
  EXPECT_NE(silent.messages[0].find("exited 3"), std::string::npos);
  EXPECT_EQ(torque.add_hosts({{"i-1", "n1", 4, 0}}).failed, (Strings{"n1"}));
  EXPECT_TRUE(torque.add_hosts({}).succeeded.empty());
  EXPECT_EQ(runner.specs.size(), 3u);
}

TEST(TorqueRemoveHosts, OfflineThenDeleteInChunksOfTwenty) {
  // test_delete_nodes[88_nodes]: pbsnodes -o with every host, then 20+20+20+20+8.
  std::vector<sched::Host> hosts;
  Strings names;
  for (int i = 0; i < 88; ++i) {
    names.push_back("n" + std::to_string(i));
    hosts.push_back({"i-" + std::to_string(i), names.back(), 4, 0});
  }
  ScriptedRunner runner;
  runner.answers.push_back(exited(1, "", "pbsnodes: Unknown node n3\n"));  // ignored
  runner.answers.push_back(exited(0, ""));
  runner.answers.push_back(exited(0, "qmgr obj=n21 svr=default: Unknown node\nqmgr obj=n22 svr=default: Error\n"));
  TorqueScheduler torque(runner, TorqueSettings{});
  auto r = torque.remove_hosts(hosts);
  ASSERT_EQ(runner.specs.size(), 6u);
  Argv offline{"/opt/torque/bin/pbsnodes", "-o"};
  offline.insert(offline.end(), names.begin(), names.end());
  EXPECT_EQ(runner.specs[0].argv, offline);
  for (size_t c = 0; c < 5; ++c) {
    std::string list;
    for (size_t i = c * 20; i < std::min<size_t>(88, c * 20 + 20); ++i) list += (list.empty() ? "" : ",") + names[i];
    EXPECT_EQ(runner.specs[1 + c].argv, (Argv{"/opt/torque/bin/qmgr", "-c", "delete node " + list})) << c;
  }
  EXPECT_EQ(r.failed, (Strings{"n22"}));
  EXPECT_EQ(r.succeeded.size(), 87u);
}

TEST(TorqueRemoveHosts, ReferenceCases) {
  struct Case {
    const char* name;
    Result<CommandOutput> qmgr;
    Strings succeeded;
  } cases[] = {
      {"all_successful", exited(0, ""), {"ip-10-0-0-157", "ip-10-0-0-155"}},
      {"already_existing", exited(0, "qmgr obj=ip-10-0-0-157 svr=default: Unknown node"), {"ip-10-0-0-157", "ip-10-0-0-155"}},
      {"failed_one_node", exited(0, "qmgr obj=ip-10-0-0-157 svr=default: Error"), {"ip-10-0-0-155"}},
      {"unexpected_err_message", exited(0, "unexpected error message"), {}},
      {"exception", exited(1, "Unknown Error"), {}},
      {"ignored_exception", exited(1, "qmgr obj=ip-10-0-0-157 svr=default: Unknown node"), {"ip-10-0-0-157", "ip-10-0-0-155"}},
      {"timeout", timed_out(), {}},
  };
  for (const Case& c : cases) {
    ScriptedRunner runner;
    runner.answers.push_back(exited(0, ""));
    runner.answers.push_back(c.qmgr);
    TorqueScheduler torque(runner, TorqueSettings{});
    auto r = torque.remove_hosts({{"i-1", "ip-10-0-0-157", 4, 0}, {"i-2", "ip-10-0-0-155", 4, 0}});
    EXPECT_EQ(r.succeeded, c.succeeded) << c.name;
    EXPECT_EQ(r.succeeded.size() + r.failed.size(), 2u) << c.name;
    EXPECT_EQ(r.failed.size(), r.messages.size()) << c.name;
    EXPECT_EQ(runner.argvs(), (std::vector<Argv>{{"/opt/torque/bin/pbsnodes", "-o", "ip-10-0-0-157", "ip-10-0-0-155"},
                                                  {"/opt/torque/bin/qmgr", "-c", "delete node ip-10-0-0-157,ip-10-0-0-155"}}))
        << c.name;
  }
  ScriptedRunner runner;  // no_nodes: nothing runs
  TorqueScheduler torque(runner, TorqueSettings{});
  EXPECT_TRUE(torque.remove_hosts({}).succeeded.empty());
  EXPECT_TRUE(runner.specs.empty());
}

TEST(TorqueScheduler, WakeScheduler) {
  ScriptedRunner runner;
  runner.answers.push_back(exited(0, ""));
  runner.answers.push_back(exited(1, "", "qmgr: cannot connect to server"));
  TorqueScheduler torque(runner, TorqueSettings{});
  EXPECT_TRUE(torque.wake_scheduler().ok());
  EXPECT_EQ(torque.wake_scheduler().error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(runner.specs[0].argv, (Argv{"/opt/torque/bin/qmgr", "-c", "set server scheduling=true"}));
  EXPECT_EQ(torque.name(), "torque");
}

}  // namespace
}  // namespace ebbflow::torque
