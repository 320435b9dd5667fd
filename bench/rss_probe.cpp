// Peak memory of one clustermgtd iteration, measured in a clean process.
//
//   rss_probe [NODES]     (default 100000)
//
// A child process generates the inputs and writes them to a temporary directory, so none of the
// generator's memory is counted. The parent then does what the daemon holds in memory during an
// iteration: the whole `scontrol show nodes` output (captured stdout), one EC2 reply page at a
// time (as the HTTP client returns it) converted into the snapshot's instances before the next
// page is read (as observe_cluster does), the snapshot and the plan. It prints
// its ru_maxrss before and after, and the time the iteration took (including reading the page
// files, so it is a little higher than the benchmark's figure), as JSON on stdout.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>
#include <string>

#include "bench/generators.h"
#include "bench/iteration.h"

namespace fs = std::filesystem;
using namespace ebbflow;

namespace {

// Reads into a string of the exact size (a stringstream would hold the text twice at the peak).
std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::string s(fs::file_size(p), '\0');
  f.read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

// Pages read from DIR/prefix-N.xml when asked for: only one is alive at a time.
struct FilePages {
  fs::path dir;
  std::string prefix;
  size_t count = 0;
  size_t size() const { return count; }
  std::string operator[](size_t i) const { return read_all(dir / (prefix + std::to_string(i) + ".xml")); }
};

double live_heap_mb() {
  struct mallinfo2 mi = mallinfo2();
  return static_cast<double>(mi.uordblks + mi.hblkhd) / 1e6;
}

double max_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

int main(int argc, char** argv) {
  const size_t nodes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  char tmpl[] = "/tmp/ebbflow-rss-XXXXXX";
  if (!mkdtemp(tmpl)) return 2;
  const fs::path dir(tmpl);

  pid_t child = fork();
  if (child == 0) {
    std::_Exit(bench::write_inputs(dir.string(), nodes) ? 0 : 3);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fs::remove_all(dir);
    std::fprintf(stderr, "input generation failed\n");
    return 2;
  }
  size_t di = 0, st = 0;
  std::istringstream(read_all(dir / "counts")) >> di >> st;
  daemons::tune_allocator_for_iterations();  // as clustermgtd does at start
  const core::ManagerSettings settings = bench::generated_settings(nodes);  // no node table
  const double before = max_rss_mb();

  // The steps and lifetimes of daemons::observe_cluster + decide: the scontrol output is
  // released once parsed, the EC2 lists once converted into the snapshot.
  std::string steps;
  auto step = [&](const char* name) {
    steps += std::string(steps.empty() ? "" : ", ") + "\"" + name + "\": {\"live_heap_mb\": " +
             std::to_string(live_heap_mb()).substr(0, 6) + ", \"max_rss_mb\": " + std::to_string(max_rss_mb()).substr(0, 6) + "}";
  };
  auto start = std::chrono::steady_clock::now();
  size_t text_bytes = 0;
  core::Plan plan;
  {
    std::vector<core::SlurmNode> nodes;
    {
      const std::string nodes_text = read_all(dir / "nodes.txt");
      text_bytes = nodes_text.size();
      step("scontrol_text_read");
      nodes = bench::parse_nodes(nodes_text);
      step("nodes_parsed");
    }
    auto parts = bench::parse_partitions(read_all(dir / "partitions.txt"));
    core::ClusterSnapshot snap;
    {
      // One page text and its parsed instances alive at a time, converted as they arrive
      // (Ec2Api::describe_instances_by_page + daemons::append_cloud_instances).
      auto instances = bench::cloud_instances_from_pages(FilePages{dir, "di-", di});
      step("instances_parsed");
      auto statuses = bench::dedupe_statuses(bench::parse_status_pages(FilePages{dir, "st-", st}));
      step("statuses_parsed");
      snap = bench::build_snapshot(std::move(nodes), parts, std::move(instances), statuses, settings.queues, bench::kNow);
      step("snapshot_built");
    }
    plan = core::decide_iteration(snap, core::ManagerState{}, settings);
    step("decided");
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const double peak = max_rss_mb();
  fs::remove_all(dir);

  std::printf("{\"nodes\": %zu, \"scontrol_text_mb\": %.1f, \"actions\": %zu, \"rss_before_mb\": %.1f, "
              "\"peak_rss_mb\": %.1f, \"iteration_ms_with_file_reads\": %.1f, \"steps\": {%s}}\n",
              nodes, text_bytes / 1e6, plan.actions.size(), before, peak, ms, steps.c_str());
  return 0;
}
