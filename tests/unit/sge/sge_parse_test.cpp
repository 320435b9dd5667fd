// SGE output parsers against ParallelCluster's recorded qstat outputs (reference 12.2:
// test_sge_commands) and the real SGE 8.1.9 messages of sge-local-cluster.md section 4.
#include <gtest/gtest.h>

#include "scheduler/sge/sge_parse.h"
#include "scripted_runner.h"

namespace ebbflow::sge {
namespace {

using ebbflow::testing::recorded;

TEST(SgeParseHosts, MixedOutput) {
  auto hosts = parse_qstat_hosts(recorded("sge/test_get_compute_nodes_info__qstat_output_mix.xml"));
  ASSERT_TRUE(hosts.ok()) << hosts.error().describe();
  ASSERT_EQ(hosts->size(), 3u);
  const SgeHost& a = (*hosts)[0];
  EXPECT_EQ(a.name, "ip-10-0-0-166.eu-west-1.compute.internal");
  EXPECT_EQ(a.queue, "all.q");
  EXPECT_EQ(a.slots_used, 3);
  EXPECT_EQ(a.slots_resv, 0);
  EXPECT_EQ(a.slots_total, 4);
  EXPECT_EQ(a.state, "");
  ASSERT_EQ(a.jobs.size(), 3u);
  EXPECT_EQ(a.jobs[0].number, "89");
  EXPECT_EQ(a.jobs[0].master, "MASTER");
  EXPECT_EQ(a.jobs[1].master, "SLAVE");
  EXPECT_EQ(a.jobs[2].number, "91");
  EXPECT_EQ(a.jobs[2].tasks, "3");
  EXPECT_EQ(a.jobs[2].host, a.name);  // nested jobs take the enclosing queue instance's host
  EXPECT_EQ((*hosts)[1].name, "ip-10-0-0-52.eu-west-1.compute.internal");
  EXPECT_EQ((*hosts)[1].state, "d");
  EXPECT_EQ((*hosts)[1].slots_total, 8);
  EXPECT_TRUE((*hosts)[1].jobs.empty());
  EXPECT_EQ((*hosts)[2].state, "au");
}

TEST(SgeParseHosts, EmptyOutputAndEmptyXml) {
  for (const char* f : {"sge/test_get_compute_nodes_info__qstat_output_empty.xml",
                        "sge/test_get_compute_nodes_info__qstat_output_empty_xml.xml"}) {
    auto hosts = parse_qstat_hosts(recorded(f));
    ASSERT_TRUE(hosts.ok()) << f;
    EXPECT_TRUE(hosts->empty()) << f;
  }
}

TEST(SgeParseHosts, HostFragment) {
  auto hosts = parse_qstat_hosts(recorded("sge/test_sge_host_parsing__host.xml"));
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 1u);
  EXPECT_EQ((*hosts)[0].slots_used, 4);
  ASSERT_EQ((*hosts)[0].jobs.size(), 4u);
  EXPECT_EQ((*hosts)[0].jobs[1].state, "s");
  EXPECT_EQ((*hosts)[0].jobs[1].master, "");  // no <master> element
}

TEST(SgeParseHosts, HostFragmentWithoutJobs) {
  auto hosts = parse_qstat_hosts(recorded("sge/test_sge_host_parsing__host_no_jobs.xml"));
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 1u);
  EXPECT_EQ((*hosts)[0].state, "au");
  EXPECT_TRUE((*hosts)[0].jobs.empty());
}

TEST(SgeParseJobs, MixedOutput) {
  auto jobs = parse_qstat_jobs(recorded("sge/test_get_jobs_info__qstat_output_mix.xml"));
  ASSERT_TRUE(jobs.ok()) << jobs.error().describe();
  ASSERT_EQ(jobs->size(), 10u);
  EXPECT_EQ((*jobs)[0].number, "95");
  EXPECT_EQ((*jobs)[0].state, "hr");
  EXPECT_EQ((*jobs)[0].host, "ip-10-0-0-166.eu-west-1.compute.internal");
  EXPECT_EQ((*jobs)[0].tasks, "3");
  EXPECT_EQ((*jobs)[4].state, "s");
  EXPECT_EQ((*jobs)[4].host, "ip-10-0-0-52.eu-west-1.compute.internal");
  EXPECT_EQ((*jobs)[8].number, "97");
  EXPECT_EQ((*jobs)[8].slots, 3);
  EXPECT_EQ((*jobs)[8].host, "");  // pending: empty queue_name
  EXPECT_EQ((*jobs)[9].state, "hqw");
  EXPECT_EQ((*jobs)[9].slots, 8);
}

TEST(SgeParseJobs, EmptyOutputAndEmptyXml) {
  for (const char* f : {"sge/test_get_jobs_info__qstat_output_empty.xml",
                        "sge/test_get_jobs_info__qstat_output_empty_xml.xml"}) {
    auto jobs = parse_qstat_jobs(recorded(f));
    ASSERT_TRUE(jobs.ok()) << f;
    EXPECT_TRUE(jobs->empty()) << f;
  }
}

TEST(SgeParseJobs, RunningArrayAndParallelJobs) {
  auto running = parse_qstat_jobs(recorded("sge/test_sge_job_parsing__running_job.xml"));
  ASSERT_TRUE(running.ok());
  ASSERT_EQ(running->size(), 1u);
  EXPECT_EQ((*running)[0].number, "93");
  EXPECT_EQ((*running)[0].slots, 12);
  EXPECT_EQ((*running)[0].tasks, "");
  EXPECT_EQ((*running)[0].task_count(), 1);

  auto array = parse_qstat_jobs(recorded("sge/test_sge_job_parsing__array_job.xml"));
  ASSERT_TRUE(array.ok());
  ASSERT_EQ(array->size(), 1u);
  EXPECT_EQ((*array)[0].state, "qw");
  EXPECT_EQ((*array)[0].tasks, "3");
  EXPECT_EQ((*array)[0].task_count(), 1);  // one expanded task of the array

  auto parallel = parse_qstat_jobs(recorded("sge/test_sge_job_parsing__parallel_job.xml"));
  ASSERT_TRUE(parallel.ok());
  ASSERT_EQ(parallel->size(), 1u);
  EXPECT_EQ((*parallel)[0].state, "sr");
  EXPECT_EQ((*parallel)[0].master, "SLAVE");
}

TEST(SgeParseJobs, LiveSge819Output) {
  // qstat -xml -g dt -u '*' -l hostname=sgenode1 -s rs on the local cell (section 4).
  const std::string xml = R"(<?xml version='1.0'?>
<job_info  xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qstat/qstat.xsd">
  <queue_info>
    <job_list state="running">
      <JB_job_number>4</JB_job_number>
      <JAT_prio>0.75000</JAT_prio>
      <JB_name>s1</JB_name>
      <JB_owner>root</JB_owner>
      <state>r</state>
      <JAT_start_time>2026-11-25T23:48:02</JAT_start_time>
      <queue_name>all.q@sgenode1</queue_name>
      <master>MASTER</master>
      <slots>1</slots>
    </job_list>
  </queue_info>
  <job_info>
  </job_info>
</job_info>)";
  auto jobs = parse_qstat_jobs(xml);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].host, "sgenode1");
  EXPECT_EQ((*jobs)[0].state, "r");
}

TEST(SgeParseJobs, TaskRanges) {
  SgeJob job;
  job.tasks = "1-10:1";
  EXPECT_EQ(job.task_count(), 10);
  job.tasks = "1-10:3";  // 1, 4, 7, 10
  EXPECT_EQ(job.task_count(), 4);
  job.tasks = "1-3:1,7";
  EXPECT_EQ(job.task_count(), 4);
  job.tasks = "12";
  EXPECT_EQ(job.task_count(), 1);
  job.tasks = "1-2000000000:1,1-2000000000:1";  // capped, never overflows
  EXPECT_EQ(job.task_count(), 1000000);
  job.tasks = "9-3:1";  // nonsense range: counted once
  EXPECT_EQ(job.task_count(), 1);
}

TEST(SgeParse, BadXmlIsInvalidInputNamingTheCommand) {
  auto jobs = parse_qstat_jobs("<job_info><queue_info>", "qstat -xml -s p");
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(jobs.error().message.find("qstat -xml -s p"), std::string::npos) << jobs.error().message;

  auto hosts = parse_qstat_hosts("error: commlib error: got select error (Connection refused)", "qstat -f");
  ASSERT_FALSE(hosts.ok());
  EXPECT_EQ(hosts.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(hosts.error().message.find("qstat -f"), std::string::npos);
}

TEST(SgeParse, NonNumericSlotsAreRejected) {
  auto jobs = parse_qstat_jobs("<job_info><job_list><JB_job_number>1</JB_job_number><slots>x</slots></job_list></job_info>");
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(jobs.error().message.find("slots of job 1"), std::string::npos);
  auto hosts = parse_qstat_hosts("<Queue-List><name>all.q@h</name><slots_used>-1</slots_used></Queue-List>");
  ASSERT_FALSE(hosts.ok());
  auto nameless = parse_qstat_hosts("<Queue-List><name>all.q</name></Queue-List>");
  ASSERT_FALSE(nameless.ok());
}

// ---- qconf replies -------------------------------------------------------------------------

TEST(QconfReply, AddAdministrative) {
  // qconf -ah sgenode1,sgenode9,nosuchhost (SGE 8.1.9, rc=1)
  auto o = parse_qconf_reply(QconfHostOp::kAddAdmin, {"sgenode1", "sgenode9", "nosuchhost"},
                             "adminhost \"sgenode1\" already exists\nsgenode9 added to administrative host list\n"
                             "\ncan't resolve hostname \"nosuchhost\"\n");
  EXPECT_EQ(o.succeeded, (std::vector<std::string>{"sgenode1", "sgenode9"}));
  EXPECT_EQ(o.failed, (std::vector<std::string>{"nosuchhost"}));
  ASSERT_EQ(o.messages.size(), 1u);
  EXPECT_NE(o.messages[0].find("can't resolve hostname"), std::string::npos) << o.messages[0];
}

TEST(QconfReply, StdoutAndStderrOrderDoesNotMatter) {
  // The failure line (stderr) before the success lines (stdout).
  auto o = parse_qconf_reply(QconfHostOp::kAddAdmin, {"a1", "nosuchhost", "a2"},
                             "a1 added to administrative host list\na2 added to administrative host list\n"
                             "\ncan't resolve hostname \"nosuchhost\"");
  EXPECT_EQ(o.succeeded, (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(o.failed, (std::vector<std::string>{"nosuchhost"}));
}

TEST(QconfReply, FqdnInReplyMatchesShortName) {
  auto o = parse_qconf_reply(QconfHostOp::kAddAdmin, {"ip-10-0-0-155", "ip-10-0-0-157"},
                             "ip-10-0-0-155.eu-west-1.compute.internal added to administrative host list\n"
                             "adminhost \"ip-10-0-0-157.eu-west-1.compute.internal\" already exists\n");
  EXPECT_EQ(o.succeeded, (std::vector<std::string>{"ip-10-0-0-155", "ip-10-0-0-157"}));
  EXPECT_TRUE(o.failed.empty());
}

TEST(QconfReply, ReferencePartialHostnameIsAFailure) {
  // reference 11.2: can't resolve hostname "ip-10-0-0" = failure for that host; ip-10-0-0 must
  // not be taken for a prefix of ip-10-0-0-1.
  auto o = parse_qconf_reply(QconfHostOp::kAddAdmin, {"ip-10-0-0", "ip-10-0-0-1"},
                             "can't resolve hostname \"ip-10-0-0\"\nip-10-0-0-1 added to administrative host list\n");
  EXPECT_EQ(o.succeeded, (std::vector<std::string>{"ip-10-0-0-1"}));
  EXPECT_EQ(o.failed, (std::vector<std::string>{"ip-10-0-0"}));
}

TEST(QconfReply, AddSubmit) {
  auto o = parse_qconf_reply(QconfHostOp::kAddSubmit, {"sgenode1", "sgenode9"},
                             "submithost \"sgenode1\" already exists\nsgenode9 added to submit host list\n");
  EXPECT_EQ(o.succeeded.size(), 2u);
  // An admin-list reply does not count for -as.
  o = parse_qconf_reply(QconfHostOp::kAddSubmit, {"sgenode9"}, "sgenode9 added to administrative host list\n");
  EXPECT_EQ(o.failed, (std::vector<std::string>{"sgenode9"}));
}

TEST(QconfReply, RemoveAdministrativeSubmitExecution) {
  auto dh = parse_qconf_reply(QconfHostOp::kRemoveAdmin, {"sgenode2", "sgenode9"},
                              "root@sgemaster removed \"sgenode2\" from administrative host list\n"
                              "denied: administrative host \"sgenode9\" does not exist\n");
  EXPECT_EQ(dh.succeeded.size(), 2u);
  auto ds = parse_qconf_reply(QconfHostOp::kRemoveSubmit, {"sgenode2", "sgenode9"},
                              "root@sgemaster removed \"sgenode2\" from submit host list\n"
                              "denied: submit host \"sgenode9\" does not exist\n");
  EXPECT_EQ(ds.succeeded.size(), 2u);
  auto de = parse_qconf_reply(QconfHostOp::kRemoveExec, {"sgenode2", "sgenode9", "sgenode1"},
                              "root@sgemaster removed \"sgenode2\" from execution host list\n"
                              "denied: execution host \"sgenode9\" does not exist\n"
                              "Host object \"sgenode1\" is still referenced in cluster queue \"all.q\".\n");
  EXPECT_EQ(de.succeeded, (std::vector<std::string>{"sgenode2", "sgenode9"}));
  EXPECT_EQ(de.failed, (std::vector<std::string>{"sgenode1"}));
  EXPECT_NE(de.messages[0].find("still referenced"), std::string::npos);
}

TEST(QconfReply, QmasterDownFailsEveryHostWithItsMessage) {
  auto o = parse_qconf_reply(QconfHostOp::kAddAdmin, {"a", "b"},
                             "error: commlib error: got select error (Connection refused)\n"
                             "unable to contact qmaster using port 6444 on host \"sgemaster\"\n");
  EXPECT_TRUE(o.succeeded.empty());
  EXPECT_EQ(o.failed, (std::vector<std::string>{"a", "b"}));
  // "sgemaster" is quoted but names none of our hosts; the reason carries the first line.
  EXPECT_NE(o.messages[0].find("commlib error"), std::string::npos) << o.messages[0];
}

TEST(QconfReply, SuccessAndFailureForOneHostIsAFailure) {
  auto o = parse_qconf_reply(QconfHostOp::kRemoveExec, {"h"},
                             "root@m removed \"h\" from execution host list\ndenied: something about \"h\"\n");
  EXPECT_EQ(o.failed, (std::vector<std::string>{"h"}));
}

TEST(QconfLineClassify, ExactPatterns) {
  EXPECT_EQ(classify_qconf_line(QconfHostOp::kAddAdmin, "x added to administrative host list").kind,
            QconfLine::Kind::kSuccess);
  EXPECT_EQ(classify_qconf_line(QconfHostOp::kAddAdmin, "x added to administrative host list").host, "x");
  EXPECT_EQ(classify_qconf_line(QconfHostOp::kRemoveExec, "denied: submit host \"x\" does not exist").kind,
            QconfLine::Kind::kFailure);
  EXPECT_EQ(classify_qconf_line(QconfHostOp::kAddAdmin, "no host named here").kind,
            QconfLine::Kind::kUnrelated);
}

TEST(QconfReply, VeryLongLinesAreHandled) {
  // A 1 MB line (no std::regex recursion to overflow the stack).
  const std::string host(1 << 20, 'a');
  auto o = parse_qconf_reply(QconfHostOp::kAddAdmin, {"a"}, host + " added to administrative host list\n");
  EXPECT_EQ(o.failed, (std::vector<std::string>{"a"}));
  o = parse_qconf_reply(QconfHostOp::kRemoveExec, {"n1"}, "root@m removed \"n1\" from execution host list" + host);
  EXPECT_EQ(o.failed, (std::vector<std::string>{"n1"}));
}

TEST(QconfLineClassify, ShapesThatLookAlmostRight) {
  EXPECT_EQ(classify_qconf_line(QconfHostOp::kAddAdmin, "two words added to administrative host list").kind,
            QconfLine::Kind::kUnrelated);
  EXPECT_EQ(classify_qconf_line(QconfHostOp::kAddAdmin, " added to administrative host list").kind,
            QconfLine::Kind::kUnrelated);
  EXPECT_EQ(classify_qconf_line(QconfHostOp::kRemoveAdmin, "removed \"x\" from administrative host list").kind,
            QconfLine::Kind::kFailure);  // no "who": not the success shape, but it names x
  EXPECT_EQ(classify_qconf_line(QconfHostOp::kRemoveAdmin, "  root@m removed \"x\" from administrative host list  ").kind,
            QconfLine::Kind::kSuccess);
}

}  // namespace
}  // namespace ebbflow::sge
