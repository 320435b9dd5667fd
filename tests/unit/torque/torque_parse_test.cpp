// Torque output parsers against the outputs ParallelCluster recorded from Torque 6.1
// (reference 12.2: test_torque_commands). Torque cannot be installed here: these recorded
// outputs and hand-written variants are all the adapter is checked against.
#include <gtest/gtest.h>

#include "../sge/scripted_runner.h"
#include "scheduler/torque/torque_parse.h"

namespace ebbflow::torque {
namespace {

using ebbflow::testing::recorded;
using Strings = std::vector<std::string>;

TEST(PbsnodesParse, MixedOutput) {
  auto nodes = parse_pbsnodes(recorded("torque/test_get_compute_nodes_info__pbsnodes_output.xml"));
  ASSERT_TRUE(nodes.ok()) << nodes.error().describe();
  ASSERT_EQ(nodes->size(), 3u);
  const TorqueNode& head = (*nodes)[0];
  EXPECT_EQ(head.name, "ip-10-0-0-196");
  EXPECT_EQ(head.note, "MasterServer");
  EXPECT_EQ(head.states, (Strings{"down", "offline"}));
  EXPECT_EQ(head.np, 1000);
  const TorqueNode& free = (*nodes)[1];
  EXPECT_EQ(free.name, "ip-10-0-1-242");
  EXPECT_EQ(free.np, 4);
  EXPECT_EQ(free.states, (Strings{"free"}));
  EXPECT_TRUE(free.jobs.empty());
  EXPECT_EQ(free.note, "");
  const TorqueNode& busy = (*nodes)[2];
  EXPECT_EQ(busy.states, (Strings{"job-exclusive"}));
  EXPECT_TRUE(busy.has_state("job-exclusive"));
  EXPECT_FALSE(busy.has_state("free"));
  EXPECT_EQ(busy.jobs, (Strings{"1/136.ip-10-0-0-196.eu-west-1.compute.internal",
                                "2/137.ip-10-0-0-196.eu-west-1.compute.internal", "0",
                                "3/138.ip-10-0-0-196.eu-west-1.compute.internal"}));
}

TEST(PbsnodesParse, EmptyAndErroredOutputMeanNoNodes) {
  for (const char* f : {"torque/test_get_compute_nodes_info__pbsnodes_empty.xml",
                        "torque/test_get_compute_nodes_info__pbsnodes_error.xml"}) {
    auto nodes = parse_pbsnodes(recorded(f));
    ASSERT_TRUE(nodes.ok()) << f;
    EXPECT_TRUE(nodes->empty()) << f;
  }
}

TEST(PbsnodesParse, BrokenXmlAfterDataIsInvalidInput) {
  auto nodes = parse_pbsnodes("<Data><Node><name>a</name>", "pbsnodes -x a");
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(nodes.error().message.find("pbsnodes -x a"), std::string::npos);
  auto np = parse_pbsnodes("<Data><Node><name>a</name><np>four</np></Node></Data>");
  ASSERT_FALSE(np.ok());
  EXPECT_NE(np.error().message.find("np of a"), std::string::npos);
  EXPECT_FALSE(parse_pbsnodes("<Data><Node><np>4</np></Node></Data>").ok());  // nameless
}

TEST(NodesSpec, Syntax) {
  auto a = parse_nodes_spec("1:ppn=2+2:ppn=3");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].count, 1);
  EXPECT_EQ((*a)[0].ppn, 2);
  EXPECT_EQ((*a)[1].count, 2);
  EXPECT_EQ((*a)[1].ppn, 3);
  auto b = parse_nodes_spec("1+2");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[1].count, 2);
  EXPECT_EQ((*b)[1].ppn, 1);
  auto c = parse_nodes_spec("1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0].count, 1);
  EXPECT_EQ((*c)[0].ppn, 1);
  auto d = parse_nodes_spec("node7:ppn=2+3:bigmem:ppn=4");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)[0].count, 1);
  EXPECT_EQ((*d)[0].ppn, 2);
  EXPECT_EQ((*d)[1].count, 3);
  EXPECT_EQ((*d)[1].ppn, 4);
  EXPECT_FALSE(parse_nodes_spec("").ok());
  EXPECT_FALSE(parse_nodes_spec("2:ppn=x").ok());
}

TEST(QstatParse, MixedOutput) {
  auto jobs = parse_qstat_jobs(recorded("torque/test_get_jobs_info__qstat_output.xml"));
  ASSERT_TRUE(jobs.ok()) << jobs.error().describe();
  ASSERT_EQ(jobs->size(), 7u);
  const TorqueJob& j149 = (*jobs)[0];
  EXPECT_EQ(j149.id, "149.ip-10-0-0-196.eu-west-1.compute.internal");
  EXPECT_EQ(j149.state, "R");
  EXPECT_EQ(j149.exec_hosts, (Strings{"ip-10-0-1-168"}));
  ASSERT_EQ(j149.nodes.size(), 1u);
  EXPECT_EQ(j149.nodes[0].count, 1);
  EXPECT_EQ(j149.nodes[0].ppn, 2);
  EXPECT_EQ(j149.nodect, 1);
  EXPECT_FALSE(j149.ncpus.has_value());
  EXPECT_EQ((*jobs)[1].exec_hosts, (Strings{"ip-10-0-1-95", "ip-10-0-1-168"}));
  ASSERT_EQ((*jobs)[1].nodes.size(), 1u);
  EXPECT_EQ((*jobs)[1].nodes[0].count, 2);
  EXPECT_EQ((*jobs)[1].nodes[0].ppn, 1);
  EXPECT_TRUE((*jobs)[2].nodes.empty());
  EXPECT_EQ((*jobs)[2].ncpus, 2);
  EXPECT_FALSE((*jobs)[2].nodect.has_value());
  EXPECT_EQ((*jobs)[3].state, "Q");
  EXPECT_TRUE((*jobs)[3].exec_hosts.empty());
  EXPECT_EQ((*jobs)[3].nodes.size(), 2u);
  EXPECT_EQ((*jobs)[3].nodect, 3);
  EXPECT_EQ((*jobs)[4].id, "166[1].ip-10-0-0-196.eu-west-1.compute.internal");
  EXPECT_EQ((*jobs)[4].nodes[1].count, 8);
  EXPECT_EQ((*jobs)[6].nodect, 9);
}

TEST(QstatParse, EmptyOutputAndEmptyXml) {
  for (const char* f : {"torque/test_get_jobs_info__qstat_empty.xml", "torque/test_get_jobs_info__qstat_empty_xml.xml"}) {
    auto jobs = parse_qstat_jobs(recorded(f));
    ASSERT_TRUE(jobs.ok()) << f;
    EXPECT_TRUE(jobs->empty()) << f;
  }
}

TEST(QstatParse, BadOutputIsInvalidInputNamingTheCommand) {
  auto notxml = parse_qstat_jobs("qstat: cannot connect to server", "qstat -t -x");
  ASSERT_FALSE(notxml.ok());
  EXPECT_EQ(notxml.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(notxml.error().message.find("qstat -t -x"), std::string::npos);
  EXPECT_FALSE(parse_qstat_jobs("<Other/>").ok());
  auto spec = parse_qstat_jobs("<Data><Job><Job_Id>1.s</Job_Id><Resource_List><nodes>1:ppn=z</nodes></Resource_List></Job></Data>");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.error().message.find("job 1.s"), std::string::npos);
}

// ---- qmgr replies (test_add_nodes / test_delete_nodes) --------------------------------------

const Strings kHosts{"ip-10-0-0-157", "ip-10-0-0-155"};

TEST(QmgrReply, AddNodes) {
  auto all = parse_qmgr_reply(kHosts, "", qmgr_create_ignored());
  EXPECT_EQ(all.succeeded, kHosts);
  auto existing = parse_qmgr_reply(kHosts, "qmgr obj=ip-10-0-0-157 svr=default: Node name already exists\n",
                                   qmgr_create_ignored());
  EXPECT_EQ(existing.succeeded, kHosts);
  auto one = parse_qmgr_reply(kHosts, "qmgr obj=ip-10-0-0-157 svr=default: Error", qmgr_create_ignored());
  EXPECT_EQ(one.succeeded, (Strings{"ip-10-0-0-155"}));
  EXPECT_EQ(one.failed, (Strings{"ip-10-0-0-157"}));
  EXPECT_EQ(one.messages, (Strings{"ip-10-0-0-157: qmgr: Error"}));
  auto unexpected = parse_qmgr_reply(kHosts, "unexpected error message", qmgr_create_ignored());
  EXPECT_TRUE(unexpected.succeeded.empty());
  EXPECT_EQ(unexpected.failed, kHosts);
  auto none = parse_qmgr_reply({}, "", qmgr_create_ignored());
  EXPECT_TRUE(none.succeeded.empty() && none.failed.empty());
}

TEST(QmgrReply, DeleteNodes) {
  EXPECT_EQ(parse_qmgr_reply(kHosts, "qmgr obj=ip-10-0-0-157 svr=default: Unknown node", qmgr_delete_ignored()).succeeded,
            kHosts);
  EXPECT_EQ(parse_qmgr_reply(kHosts,
                             "qmgr obj=ip-10-0-0-155 svr=default: The server was unable to communicate with the MOM "
                             "to requeue or delete the job. The node has been deleted and all jobs on the node have "
                             "been purged.",
                             qmgr_delete_ignored())
                .succeeded,
            kHosts);
  // "Node name already exists" is only ignored for create.
  EXPECT_EQ(parse_qmgr_reply(kHosts, "qmgr obj=ip-10-0-0-157 svr=default: Node name already exists",
                             qmgr_delete_ignored())
                .failed,
            (Strings{"ip-10-0-0-157"}));
  EXPECT_EQ(parse_qmgr_reply(kHosts, "Unknown Error", qmgr_delete_ignored()).failed, kHosts);
}

TEST(QmgrReply, HostNamesMatchExactly) {
  // ip-10-0-0-15 failing must not fail ip-10-0-0-155.
  auto o = parse_qmgr_reply(kHosts, "qmgr obj=ip-10-0-0-15 svr=default: Error", qmgr_create_ignored());
  EXPECT_EQ(o.succeeded, kHosts);
}

TEST(QmgrReply, LineShapes) {
  // Another server name is fine; a missing server, missing message separator or a server with
  // a space is not a per-node line (every host fails).
  EXPECT_EQ(parse_qmgr_reply({"a"}, "qmgr obj=a svr=head: Error", qmgr_create_ignored()).failed, (Strings{"a"}));
  EXPECT_EQ(parse_qmgr_reply({"a", "b"}, "qmgr obj=a svr=: Error", qmgr_create_ignored()).failed, (Strings{"a", "b"}));
  EXPECT_EQ(parse_qmgr_reply({"a", "b"}, "qmgr obj=a svr=default Error", qmgr_create_ignored()).failed,
            (Strings{"a", "b"}));
  EXPECT_EQ(parse_qmgr_reply({"a", "b"}, "qmgr obj=a svr=de fault: Error", qmgr_create_ignored()).failed,
            (Strings{"a", "b"}));
  // Surrounding blank lines and spaces around the message are tolerated.
  EXPECT_EQ(parse_qmgr_reply({"a"}, "\nqmgr obj=a svr=default:   Node name already exists  \n\n", qmgr_create_ignored())
                .succeeded,
            (Strings{"a"}));
  const std::string huge(1 << 20, 'x');
  EXPECT_EQ(parse_qmgr_reply({"a"}, "qmgr obj=a svr=default: " + huge, qmgr_create_ignored()).failed, (Strings{"a"}));
}

}  // namespace
}  // namespace ebbflow::torque
