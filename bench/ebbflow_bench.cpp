// Google Benchmark suite for issue 7: the cost of one clustermgtd iteration at 1k/10k/100k
// Slurm nodes and of each of its steps, the DescribeInstances parser at the anchor's 56,000
// instances, the resume decision for 1,000 nodes, and hostlist expansion/compression at 100k.
// Inputs are generated once per size (bench/generators.h) and kept in memory: nothing timed
// here does I/O. Counters on the iteration benchmarks report the plan's scheduler commands and
// cloud calls (bench/iteration.h). scripts/bench runs this and writes the summary JSON.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <memory>

#include "bench/generators.h"
#include "bench/iteration.h"
#include "core/hostlist.h"
#include "core/launch_plan.h"

namespace ebbflow::bench {
namespace {

struct Prepared {
  ClusterInputs in;
  core::ManagerSettings settings;
  // The cloud replies parsed once (for the benchmarks that start from parsed replies).
  std::vector<std::vector<aws::Ec2Instance>> instance_pages;
  std::vector<aws::InstanceStatus> statuses;
  std::vector<core::CloudInstance> cloud_instances;  // the pages converted, as observe_cluster does
};

// Generates the inputs of one size and checks that the parsers accept all of them (a benchmark
// over inputs that fail to parse would time the error path).
const Prepared& inputs(size_t n) {
  static std::map<size_t, std::unique_ptr<Prepared>> cache;
  auto& slot = cache[n];
  if (!slot) {
    slot = std::make_unique<Prepared>();
    slot->in = generate_cluster(n);
    slot->settings = generated_settings(n);
    std::vector<std::string> skipped;
    auto nodes = slurm::parse_scontrol_nodes(slot->in.scontrol_nodes, &skipped);
    auto instances = parse_instance_pages(slot->in.describe_instances);
    if (!nodes.ok() || nodes->size() != n || !skipped.empty() || instances.size() != slot->in.layout.instances.size()) {
      std::fprintf(stderr, "generated inputs for %zu nodes do not parse as expected\n", n);
      std::abort();
    }
    for (const auto& page : slot->in.describe_instances) {
      std::string token;
      slot->instance_pages.push_back(std::move(*aws::parse_describe_instances(page, &token)));
    }
    slot->statuses = dedupe_statuses(parse_status_pages(slot->in.instance_status));
    slot->cloud_instances = cloud_instances_from_pages(slot->in.describe_instances);
    std::fprintf(stderr, "[inputs %zu nodes] scontrol %.1f MB, %zu instances (%zu orphans) in %zu pages %.1f MB, %zu status pages\n",
                 n, slot->in.scontrol_nodes.size() / 1e6, slot->in.layout.instances.size(), slot->in.layout.orphan_count,
                 slot->in.describe_instances.size(),
                 [&] { size_t b = 0; for (auto& p : slot->in.describe_instances) b += p.size(); return b / 1e6; }(),
                 slot->in.instance_status.size());
  }
  return *slot;
}

void set_call_counters(benchmark::State& state, const Prepared& p, const core::Plan& plan) {
  CallCounts c = count_calls(plan, p.settings.queues, p.in.describe_instances.size(), p.in.instance_status.size());
  state.counters["instances"] = static_cast<double>(p.in.layout.instances.size());
  state.counters["actions"] = static_cast<double>(plan.actions.size());
  state.counters["scontrol_updates"] = static_cast<double>(c.scontrol_updates);
  state.counters["update_node_entries"] = static_cast<double>(c.update_node_entries);
  state.counters["terminate_calls"] = static_cast<double>(c.terminate_calls);
  state.counters["terminated_instances"] = static_cast<double>(c.terminated_instances);
  state.counters["run_instances_calls"] = static_cast<double>(c.run_instances_calls);
  state.counters["launched_nodes"] = static_cast<double>(c.launched_nodes);
  state.counters["describe_instances_pages"] = static_cast<double>(c.describe_instances_pages);
  state.counters["describe_status_pages"] = static_cast<double>(c.describe_status_pages);
}

// Everything, including parsing every DescribeInstances and DescribeInstanceStatus reply.
void BM_ClustermgtdIteration(benchmark::State& state) {
  const Prepared& p = inputs(static_cast<size_t>(state.range(0)));
  core::Plan plan;
  for (auto _ : state) {
    plan = run_iteration(p.in.scontrol_nodes, p.in.scontrol_partitions, p.in.describe_instances, p.in.instance_status,
                         p.settings, kNow);
    benchmark::DoNotOptimize(plan);
  }
  set_call_counters(state, p, plan);
}

// Issue 7's definition of the 100k target: the cloud replies are already parsed, i.e. the daemon
// holds its instance list (DescribeInstances pages parsed and converted page by page, as
// observe_cluster does through Ec2Api::describe_instances_by_page) and its instance statuses.
// Timed: parse `scontrol show nodes` and `show partitions`, build the snapshot, decide, free it
// all. The copy of the instance list that the snapshot consumes is made untimed.
core::Plan preparsed_cloud_iteration(benchmark::State* state, const Prepared& p) {
  if (state) state->PauseTiming();
  std::vector<core::CloudInstance> instances = p.cloud_instances;
  if (state) state->ResumeTiming();
  auto nodes = parse_nodes(p.in.scontrol_nodes);
  auto parts = parse_partitions(p.in.scontrol_partitions);
  auto snap = build_snapshot(std::move(nodes), parts, std::move(instances), p.statuses, p.settings.queues, kNow);
  return core::decide_iteration(snap, core::ManagerState{}, p.settings);
}

void BM_ClustermgtdIterationPreparsedCloud(benchmark::State& state) {
  const Prepared& p = inputs(static_cast<size_t>(state.range(0)));
  core::Plan plan;
  for (auto _ : state) {
    plan = preparsed_cloud_iteration(&state, p);
    benchmark::DoNotOptimize(plan);
  }
  set_call_counters(state, p, plan);
}

void BM_ParseScontrolNodes(benchmark::State& state) {
  const Prepared& p = inputs(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(parse_nodes(p.in.scontrol_nodes));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * p.in.scontrol_nodes.size()));
}

void BM_ParseDescribeInstances(benchmark::State& state) {
  const Prepared& p = inputs(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(parse_instance_pages(p.in.describe_instances));
}

void BM_ParseInstanceStatus(benchmark::State& state) {
  const Prepared& p = inputs(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(parse_status_pages(p.in.instance_status));
}

// From the parsed scontrol output and the parsed cloud replies: convert the instances page by
// page (each page copied untimed just before, as in BM_ClustermgtdIterationPreparsedCloud),
// filter the nodes, build the health list (daemons::build_snapshot).
void BM_BuildSnapshot(benchmark::State& state) {
  const Prepared& p = inputs(static_cast<size_t>(state.range(0)));
  const auto nodes = parse_nodes(p.in.scontrol_nodes);
  const auto parts = parse_partitions(p.in.scontrol_partitions);
  for (auto _ : state) {
    state.PauseTiming();
    auto copy = nodes;  // build_snapshot consumes the node list, as the daemon does
    state.ResumeTiming();
    std::vector<core::CloudInstance> instances;
    for (const auto& page : p.instance_pages) {
      state.PauseTiming();
      auto page_copy = page;
      state.ResumeTiming();
      daemons::append_cloud_instances(std::move(page_copy), instances);
      state.PauseTiming();
      page_copy = {};
      state.ResumeTiming();
    }
    auto snap = build_snapshot(std::move(copy), parts, std::move(instances), p.statuses, p.settings.queues, kNow);
    benchmark::DoNotOptimize(snap);
    state.PauseTiming();
    snap = core::ClusterSnapshot{};
    state.ResumeTiming();
  }
}

void BM_DecideIteration(benchmark::State& state) {
  const Prepared& p = inputs(static_cast<size_t>(state.range(0)));
  const auto snap = build_snapshot(parse_nodes(p.in.scontrol_nodes), parse_partitions(p.in.scontrol_partitions),
                                   p.cloud_instances, p.statuses, p.settings.queues, kNow);
  for (auto _ : state) benchmark::DoNotOptimize(core::decide_iteration(snap, core::ManagerState{}, p.settings));
}

void BM_ParseDescribeInstances56k(benchmark::State& state) {
  static const std::vector<std::string> pages = generate_describe_instances_pages(56000);
  size_t bytes = 0;
  for (const auto& page : pages) bytes += page.size();
  for (auto _ : state) {
    auto all = parse_instance_pages(pages);
    if (all.size() != 56000) state.SkipWithError("56k pages did not yield 56,000 instances");
    benchmark::DoNotOptimize(all);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

// slurm_resume's decision: expand Slurm's hostlist, validate and batch the names.
void BM_ResumeDecision(benchmark::State& state) {
  const size_t count = static_cast<size_t>(state.range(0));
  const std::string hostlist = generate_resume_hostlist(count);
  const auto queues = generated_queues(100000);
  for (auto _ : state) {
    auto names = core::expand_hostlist(hostlist);
    if (!names.ok() || names->size() != count) state.SkipWithError("resume hostlist did not expand");
    auto plan = core::plan_launch(*names, queues, 500, core::LaunchPurpose::kResume);
    if (!plan.rejected.empty()) state.SkipWithError("resume plan rejected nodes");
    benchmark::DoNotOptimize(plan);
  }
  state.counters["hostlist_chars"] = static_cast<double>(hostlist.size());
}

std::vector<std::string> all_names(size_t n) {
  std::vector<std::string> names;
  for (const auto& node : make_layout(n).nodes) names.push_back(node.name);
  return names;
}

// Names of the busy nodes only: a fragmented list (many short ranges).
std::vector<std::string> busy_names(size_t n) {
  std::vector<std::string> names;
  for (const auto& node : make_layout(n).nodes)
    if (node.has_instance) names.push_back(node.name);
  return names;
}

void BM_HostlistExpand(benchmark::State& state, bool fragmented) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto names = fragmented ? busy_names(n) : all_names(n);
  const std::string expr = core::compress_hostlist(names);
  for (auto _ : state) {
    auto out = core::expand_hostlist(expr);
    if (!out.ok() || out->size() != names.size()) state.SkipWithError("expansion lost names");
    benchmark::DoNotOptimize(out);
  }
  state.counters["names"] = static_cast<double>(names.size());
  state.counters["expr_chars"] = static_cast<double>(expr.size());
}

void BM_HostlistCompress(benchmark::State& state, bool fragmented) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto names = fragmented ? busy_names(n) : all_names(n);
  for (auto _ : state) benchmark::DoNotOptimize(core::compress_hostlist(names));
  state.counters["names"] = static_cast<double>(names.size());
}

#define SIZES Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)
BENCHMARK(BM_ClustermgtdIteration)->SIZES;
BENCHMARK(BM_ClustermgtdIterationPreparsedCloud)->SIZES;
BENCHMARK(BM_ParseScontrolNodes)->SIZES;
BENCHMARK(BM_ParseDescribeInstances)->SIZES;
BENCHMARK(BM_ParseInstanceStatus)->SIZES;
BENCHMARK(BM_BuildSnapshot)->SIZES;
BENCHMARK(BM_DecideIteration)->SIZES;
BENCHMARK(BM_ParseDescribeInstances56k)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ResumeDecision)->Arg(1000)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HostlistExpand, contiguous, false)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HostlistExpand, fragmented, true)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HostlistCompress, contiguous, false)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HostlistCompress, fragmented, true)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ebbflow::bench

// The daemon's allocator settings (daemons::tune_allocator_for_iterations), then Google
// Benchmark's usual main.
int main(int argc, char** argv) {
  ebbflow::daemons::tune_allocator_for_iterations();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
