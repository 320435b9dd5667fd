// Slurm pending-job demand (reference 11.1.1 and the v2 jobwatcher Slurm vectors of 12.2).
#include "core/traditional/slurm_pending.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace ebbflow::core {
namespace {

// squeue -O output: every column padded to 200 characters; the last one is not padded.
std::string row(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string f = fields[i];
    if (i + 1 < fields.size()) f.resize(kSqueueColumnWidth, ' ');
    line += f;
  }
  return line + "\n";
}

const std::vector<std::string> kHeader = {"JOBID",    "ST",     "NODES",        "CPUS",          "TASKS",
                                          "CPUS_PER_TASK", "MIN_CPUS", "REASON", "TRES_PER_JOB", "TRES_PER_TASK",
                                          "TRES_PER_NODE", "CPUS_PER_TRES"};

TEST(ParseSqueue, MixedOutput) {
  std::string out = row(kHeader) + row({"72", "PD", "2", "5", "5", "N/A", "1", "Resources", "N/A", "N/A", "N/A", "N/A"}) +
                    row({"84", "R", "3", "10", "10", "1", "1", "Resources", "gpu:12", "N/A", "N/A", "N/A"}) +
                    row({"86", "PD", "10", "40", "10", "4", "4", "ReqNodeNotAvail, May be reserved for other job", "N/A",
                         "gpu:4", "gres:gpu:2", "gpu:3"});
  auto jobs = parse_squeue(out);
  ASSERT_TRUE(jobs.ok()) << jobs.error().describe();
  ASSERT_EQ(jobs->size(), 3u);
  const SqueueJob& a = (*jobs)[0];
  EXPECT_EQ(a.id, "72");
  EXPECT_EQ(a.state, "PD");
  EXPECT_EQ(a.nodes, 2);
  EXPECT_EQ(a.cpus_total, 5);
  EXPECT_EQ(a.tasks, 5);
  EXPECT_EQ(a.cpus_per_task, 1);  // N/A -> 1
  EXPECT_EQ(a.pending_reason, "Resources");
  EXPECT_TRUE(a.tres_per_job.empty());
  EXPECT_EQ((*jobs)[1].tres_per_job.at("gpu"), 12);
  const SqueueJob& c = (*jobs)[2];
  EXPECT_EQ(c.pending_reason, "ReqNodeNotAvail, May be reserved for other job");  // spaces kept
  EXPECT_EQ(c.cpus_min_per_node, 4);
  EXPECT_EQ(c.tres_per_task.at("gpu"), 4);
  EXPECT_EQ(c.tres_per_node.at("gpu"), 2);
  EXPECT_EQ(c.cpus_per_tres.at("gpu"), 3);
}

TEST(ParseSqueue, ExtraAndMissingColumns) {
  std::vector<std::string> header = {"JOBID", "PARTITION", "ST", "NODES", "CPUS", "MIN_CPUS", "REASON"};
  auto jobs = parse_squeue(row(header) + row({"7", "compute", "PD", "3", "12", "4", "Priority"}));
  ASSERT_TRUE(jobs.ok()) << jobs.error().describe();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].nodes, 3);
  EXPECT_EQ((*jobs)[0].cpus_total, 12);
  EXPECT_EQ((*jobs)[0].cpus_min_per_node, 4);
  EXPECT_EQ((*jobs)[0].tasks, 1);  // missing column: default
  EXPECT_TRUE((*jobs)[0].tres_per_node.empty());
}

TEST(ParseSqueue, EmptyAndErrors) {
  auto empty = parse_squeue("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto header_only = parse_squeue(row(kHeader));
  ASSERT_TRUE(header_only.ok());
  EXPECT_TRUE(header_only->empty());
  auto bad = parse_squeue(row({"JOBID", "NODES"}) + row({"1", "lots"}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(bad.error().message.find("line 2, column NODES"), std::string::npos) << bad.error().message;
}

TEST(ParseTres, Forms) {
  auto t = parse_tres("gpu:12,foo:2");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->at("gpu"), 12);
  EXPECT_EQ(t->at("foo"), 2);
  EXPECT_EQ(parse_tres("gres/gpu:3")->at("gpu"), 3);
  EXPECT_EQ(parse_tres("gpu:tesla:2")->at("gpu"), 2);
  EXPECT_TRUE(parse_tres("N/A")->empty());
  EXPECT_FALSE(parse_tres("gpu:x").ok());
}

// Docs: reliability.md, finding 7. Counts beyond any cluster are errors naming the line and
// column, before any arithmetic sees them.
TEST(ParseSqueue, CountsOutsideTheBoundAreErrorsNamingLineAndColumn) {
  const std::vector<std::string> header = {"JOBID", "ST", "NODES", "CPUS", "MIN_CPUS", "TRES_PER_JOB"};
  auto parse = [&](const std::string& nodes, const std::string& cpus, const std::string& tres) {
    return parse_squeue(row(header) + row({"1", "PD", "1", "1", "1", "N/A"}) + row({"2", "PD", nodes, cpus, "1", tres}));
  };
  auto at_bound = parse(std::to_string(kMaxSqueueCount), std::to_string(kMaxSqueueCount), "gpu:99999999,gpu:1");
  ASSERT_TRUE(at_bound.ok()) << at_bound.error().describe();
  EXPECT_EQ((*at_bound)[1].nodes, kMaxSqueueCount);
  EXPECT_EQ((*at_bound)[1].tres_per_job.at("gpu"), kMaxSqueueCount);

  struct Case {
    std::string nodes, cpus, tres, where, says;
  };
  const Case cases[] = {
      {"100000001", "1", "N/A", "line 3, column NODES", "\"100000001\" is outside 0..100000000"},
      {"2147483648", "1", "N/A", "line 3, column NODES", "\"2147483648\" is outside"},
      {"1", "99999999999999999999999", "N/A", "line 3, column CPUS", "is outside"},
      {"-1", "1", "N/A", "line 3, column NODES", "\"-1\" is outside"},
      {"1", "1", "gpu:2147483647,gpu:1", "line 3, column TRES_PER_JOB", "\"2147483647\" is outside"},
      {"1", "1", "gpu:100000000,gpu:1", "line 3, column TRES_PER_JOB", "gpu adds up to more than"},
      {"1", "1", "gpu:4294967296", "line 3, column TRES_PER_JOB", "is outside"},
  };
  for (const Case& c : cases) {
    auto r = parse(c.nodes, c.cpus, c.tres);
    ASSERT_FALSE(r.ok()) << c.nodes << " " << c.cpus << " " << c.tres;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
    EXPECT_EQ(r.error().code, "SqueueParse");
    EXPECT_NE(r.error().message.find(c.where), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
  }
}

TEST(ParseTres, CountsOutsideTheBound) {
  // The fuzz reproducer: a signed overflow in the per-name sum. The first count is over the bound.
  auto fuzzed = parse_tres("gpu:2147483647,gpu:1");
  ASSERT_FALSE(fuzzed.ok());
  EXPECT_NE(fuzzed.error().message.find("count of \"gpu:2147483647\": \"2147483647\" is outside 0..100000000"),
            std::string::npos)
      << fuzzed.error().message;
  auto sum = parse_tres("gpu:100000000,gres/gpu:1");  // each within the bound, the sum not
  ASSERT_FALSE(sum.ok());
  EXPECT_NE(sum.error().message.find("gpu adds up to more than 100000000"), std::string::npos)
      << sum.error().message;
  EXPECT_FALSE(parse_tres("gpu:100000001").ok());
  EXPECT_FALSE(parse_tres("gpu:-1").ok());
  auto ok = parse_tres("gpu:60000000,gpu:40000000,foo:100000000");
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ(ok->at("gpu"), kMaxSqueueCount);
}

SqueueJob job(std::string id, int nodes, int cpus, int min_cpus, std::string reason) {
  SqueueJob j;
  j.id = std::move(id);
  j.state = "PD";
  j.nodes = nodes;
  j.cpus_total = cpus;
  j.cpus_min_per_node = min_cpus;
  j.pending_reason = std::move(reason);
  return j;
}

SqueueJob with(SqueueJob j, int tasks, std::map<std::string, int> per_job, std::map<std::string, int> per_task,
               std::map<std::string, int> per_node, std::map<std::string, int> cpus_per_tres = {}) {
  j.tasks = tasks;
  j.tres_per_job = std::move(per_job);
  j.tres_per_task = std::move(per_task);
  j.tres_per_node = std::move(per_node);
  j.cpus_per_tres = std::move(cpus_per_tres);
  return j;
}

SlurmPendingFilter cpu_nodes() { return {4, 0, 10, true}; }
SlurmPendingFilter gpu_nodes() { return {4, 4, 10, true}; }

// v2 jobwatcher Slurm test_get_required_nodes (4-slot nodes, max 10).
TEST(SlurmRequiredNodes, SingleMultipleNone) {
  EXPECT_EQ(slurm_required_nodes({job("72", 4, 15, 3, "Priority")}, cpu_nodes()), 5);
  EXPECT_EQ(slurm_required_nodes({job("72", 5, 15, 3, "Resources"), job("73", 1, 1, 1, "Resources"),
                                  job("74", 2, 2, 1, "Resources"), job("75", 3, 12, 4, "Resources"),
                                  job("76", 1, 3, 1, "Resources")},
                                 cpu_nodes()),
            9);
  EXPECT_EQ(slurm_required_nodes({}, cpu_nodes()), 0);
}

// test_get_required_nodes_gpu (4 slots, 4 GPUs).
TEST(SlurmRequiredNodes, Gpu) {
  // job_only
  EXPECT_EQ(slurm_required_nodes({with(job("72", 2, 1, 1, "Priority"), 0, {{"gpu", 5}}, {}, {}),
                                  with(job("73", 2, 1, 1, "Resources"), 0, {{"gpu", 5}}, {}, {}),
                                  with(job("74", 1, 1, 1, "Priority"), 0, {{"gpu", 3}}, {}, {})},
                                 gpu_nodes()),
            5);
  // task_only
  EXPECT_EQ(slurm_required_nodes({with(job("72", 2, 3, 3, "Priority"), 3, {}, {{"gpu", 2}}, {}),
                                  with(job("73", 1, 2, 2, "Resources"), 2, {}, {{"gpu", 2}}, {}),
                                  with(job("74", 1, 2, 2, "Resources"), 1, {}, {{"gpu", 1}}, {})},
                                 gpu_nodes()),
            3);
  // node_only
  EXPECT_EQ(slurm_required_nodes({with(job("72", 2, 2, 1, "Priority"), 0, {}, {}, {{"gpu", 2}}),
                                  with(job("73", 3, 3, 1, "Resources"), 0, {}, {}, {{"gpu", 1}}),
                                  with(job("74", 1, 1, 1, "Resources"), 0, {}, {}, {{"gpu", 3}})},
                                 gpu_nodes()),
            3);
  // mix
  EXPECT_EQ(slurm_required_nodes({with(job("72", 2, 2, 1, "Priority"), 0, {{"gpu", 5}}, {}, {}),
                                  with(job("73", 2, 3, 1, "Resources"), 3, {}, {{"gpu", 2}}, {}),
                                  with(job("74", 4, 4, 1, "Resources"), 0, {}, {}, {{"gpu", 1}})},
                                 gpu_nodes()),
            4);
  // cpus_per_tres
  EXPECT_EQ(slurm_required_nodes({with(job("75", 1, 1, 1, "Priority"), 0, {{"gpu", 2}}, {}, {}, {{"gpu", 3}}),
                                  with(job("76", 1, 1, 1, "Resources"), 0, {}, {}, {}, {{"gpu", 4}})},
                                 gpu_nodes()),
            2);
}

// test_get_required_nodes_mix (4 slots, 4 GPUs).
TEST(SlurmRequiredNodes, Mix) {
  EXPECT_EQ(slurm_required_nodes({job("72", 1, 4, 4, "Priority"),
                                  with(job("73", 2, 2, 1, "Resources"), 0, {{"gpu", 5}}, {}, {}),
                                  with(job("74", 2, 6, 3, "Priority"), 0, {}, {}, {{"gpu", 1}})},
                                 gpu_nodes()),
            3);
  EXPECT_EQ(slurm_required_nodes({with(job("72", 1, 3, 3, "Priority"), 3, {}, {{"gpu", 1}}, {}),
                                  with(job("73", 1, 2, 2, "Resources"), 2, {}, {{"gpu", 2}}, {}),
                                  with(job("74", 2, 6, 3, "Resources"), 2, {}, {{"gpu", 4}}, {})},
                                 gpu_nodes()),
            4);
}

TEST(NormalizePendingJobs, Filters) {
  // Held job (reason JobHeldUser) and license wait are left out: more nodes do not help.
  std::vector<SqueueJob> jobs = {job("1", 1, 2, 1, "JobHeldUser"), job("2", 1, 2, 1, "Licenses"),
                                 job("3", 11, 11, 1, "Resources"), job("4", 1, 8, 8, "Resources"),
                                 job("5", 1, 2, 1, "Resources")};
  SqueueJob running = job("6", 1, 1, 1, "None");
  running.state = "R";
  jobs.push_back(running);
  auto kept = normalize_pending_jobs(jobs, cpu_nodes());
  ASSERT_EQ(kept.size(), 1u);  // 3: > max 10 nodes; 4: 8 CPUs per node > 4 slots; 6: running
  EXPECT_EQ(kept[0].id, "5");
  // Without the reason filter the held job counts.
  SlurmPendingFilter no_reasons = cpu_nodes();
  no_reasons.filter_by_reasons = false;
  EXPECT_EQ(normalize_pending_jobs(jobs, no_reasons).size(), 3u);
  // Without max nodes, job 3 counts too.
  no_reasons.max_nodes.reset();
  EXPECT_EQ(normalize_pending_jobs(jobs, no_reasons).size(), 4u);
}

TEST(NormalizePendingJobs, AdditionalNodeAndDiscardAfterAdjustment) {
  // sbatch -c 3 -n 5 on 4-slot nodes: Slurm says 4 nodes, 5 are needed.
  auto kept = normalize_pending_jobs({job("1", 4, 15, 3, "Resources")}, cpu_nodes());
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].nodes, 5);
  // --gpus=12 on 4-GPU nodes with max 2 nodes: becomes 3 nodes, then too many for the group.
  SlurmPendingFilter f = gpu_nodes();
  f.max_nodes = 2;
  EXPECT_TRUE(normalize_pending_jobs({with(job("2", 1, 1, 1, "Resources"), 1, {{"gpu", 12}}, {}, {})}, f).empty());
  // A job wanting more GPUs per node than a node has never fits.
  EXPECT_TRUE(
      normalize_pending_jobs({with(job("3", 1, 1, 1, "Resources"), 1, {}, {}, {{"gpu", 8}})}, gpu_nodes()).empty());
  // GPU jobs on GPU-less nodes are dropped.
  EXPECT_TRUE(normalize_pending_jobs({with(job("4", 1, 1, 1, "Resources"), 1, {{"gpu", 1}}, {}, {})}, cpu_nodes())
                  .empty());
}

// Docs: reliability.md, finding 7. Jobs handed in directly (not parsed) may hold any int: the
// demand arithmetic (ceil_div, GPU totals, CPUs per GPU, nodes times CPUs per node) is done in
// 64 bits, and a job that outgrows an int fits no cluster and is dropped.
TEST(NormalizePendingJobs, HugeCountsNeitherOverflowNorFit) {
  const int kMax = std::numeric_limits<int>::max();
  SlurmPendingFilter no_max = gpu_nodes();
  no_max.max_nodes.reset();
  // ceil_div(cpus_total, usable slots) with cpus_total at INT_MAX: 536,870,912 nodes, one too
  // many for a group of 10, and kept (with exact counts) where the group has no limit.
  EXPECT_TRUE(normalize_pending_jobs({job("cpus", 1, kMax, 1, "Resources")}, gpu_nodes()).empty());
  auto huge = normalize_pending_jobs({job("cpus", 1, kMax, 1, "Resources")}, no_max);
  ASSERT_EQ(huge.size(), 1u);
  EXPECT_EQ(huge[0].nodes, 536870912);
  EXPECT_EQ(huge[0].cpus_total, kMax);
  // GPUs per node times nodes beyond an int.
  EXPECT_TRUE(normalize_pending_jobs({with(job("per-node", kMax, kMax, 1, "Resources"), 1, {}, {}, {{"gpu", 2}})}, no_max)
                  .empty());
  // GPUs per task times tasks beyond an int.
  EXPECT_TRUE(
      normalize_pending_jobs({with(job("per-task", 1, 1, 1, "Resources"), kMax, {}, {{"gpu", 4}}, {})}, no_max).empty());
  // CPUs per GPU times GPUs beyond an int.
  EXPECT_TRUE(normalize_pending_jobs(
                  {with(job("cpus-per-gpu", 1, 1, 1, "Resources"), 1, {{"gpu", 3}}, {}, {}, {{"gpu", kMax}})}, no_max)
                  .empty());
  // Nodes raised by GPUs, times the CPUs each node must have, beyond an int.
  EXPECT_TRUE(normalize_pending_jobs(
                  {with(job("raised", 1, 1, kMax / 2, "Resources"), 1, {{"gpu", 400}}, {}, {})}, no_max)
                  .empty());
  // The same shapes at sizes a cluster has are kept, with exact counts.
  auto fits = normalize_pending_jobs(
      {with(job("big", 100000, 100000, 1, "Resources"), 1, {}, {}, {{"gpu", 4}}, {{"gpu", 1}})}, no_max);
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_EQ(fits[0].nodes, 100000);
  EXPECT_EQ(fits[0].cpus_total, 400000);
  EXPECT_EQ(job_gpus_total(fits[0]), 400000);
  EXPECT_EQ(job_gpus_total(with(job("x", kMax, 1, 1, "Resources"), 1, {}, {}, {{"gpu", kMax}})),
            int64_t{kMax} * kMax);
}

// Parsed at the bound and planned for a group of 10: nothing overflows and nothing fits.
TEST(SlurmRequiredNodes, CountsAtTheBound) {
  const std::string big = std::to_string(kMaxSqueueCount);
  auto jobs = parse_squeue(row(kHeader) + row({"1", "PD", big, big, big, "N/A", "1", "Resources", "gpu:" + big, "N/A",
                                               "N/A", "gpu:" + big}) +
                           row({"2", "PD", "1", big, "1", "N/A", "1", "Resources", "N/A", "gpu:" + big, "N/A", "N/A"}) +
                           row({"3", "PD", big, "1", "1", "N/A", big, "Resources", "N/A", "N/A", "gpu:" + big, "N/A"}) +
                           row({"4", "PD", "1", "2", "1", "N/A", "1", "Resources", "N/A", "N/A", "N/A", "N/A"}));
  ASSERT_TRUE(jobs.ok()) << jobs.error().describe();
  EXPECT_EQ(slurm_required_nodes(*jobs, gpu_nodes()), 1);  // job 4 only
}

}  // namespace
}  // namespace ebbflow::core
