// Peak memory of one clustermgtd iteration, measured in a clean process.
//
//   rss_probe [NODES]     (default 100000)
//
// A child process generates the inputs and writes them to a temporary directory, so none of the
// generator's memory is counted. The parent then does what the daemon holds in memory during an
// iteration: the whole `scontrol show nodes` output (captured stdout), one EC2 reply page at a
// time (as the HTTP client returns it), the parsed lists, the snapshot and the plan. It prints
// its ru_maxrss before and after, and the time the iteration took (including reading the page
// files, so it is a little higher than the benchmark's figure), as JSON on stdout.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "bench/generators.h"
#include "bench/iteration.h"

namespace fs = std::filesystem;
using namespace ebbflow;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_all(const fs::path& p, const std::string& data) {
  std::ofstream f(p, std::ios::binary);
  f << data;
  if (!f) std::_Exit(3);
}

// Pages read from DIR/prefix-N.xml when asked for: only one is alive at a time.
struct FilePages {
  fs::path dir;
  std::string prefix;
  size_t count = 0;
  size_t size() const { return count; }
  std::string operator[](size_t i) const { return read_all(dir / (prefix + std::to_string(i) + ".xml")); }
};

double max_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void generate_into(const fs::path& dir, size_t nodes) {
  bench::ClusterLayout l = bench::make_layout(nodes);
  write_all(dir / "nodes.txt", bench::scontrol_nodes_text(l));
  write_all(dir / "partitions.txt", bench::scontrol_partitions_text(l));
  size_t di = bench::describe_instances_page_count(l), st = bench::instance_status_page_count(l);
  for (size_t p = 0; p < di; ++p) write_all(dir / ("di-" + std::to_string(p) + ".xml"), bench::describe_instances_page(l, p));
  for (size_t p = 0; p < st; ++p) write_all(dir / ("st-" + std::to_string(p) + ".xml"), bench::instance_status_page(l, p));
  write_all(dir / "counts", std::to_string(di) + " " + std::to_string(st) + "\n");
}

}  // namespace

int main(int argc, char** argv) {
  const size_t nodes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  char tmpl[] = "/tmp/ebbflow-rss-XXXXXX";
  if (!mkdtemp(tmpl)) return 2;
  const fs::path dir(tmpl);

  pid_t child = fork();
  if (child == 0) {
    generate_into(dir, nodes);
    std::_Exit(0);
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
  const core::ManagerSettings settings = bench::generated_settings(nodes);  // no node table
  const double before = max_rss_mb();

  auto start = std::chrono::steady_clock::now();
  const std::string nodes_text = read_all(dir / "nodes.txt");
  const std::string parts_text = read_all(dir / "partitions.txt");
  core::Plan plan = bench::run_iteration(nodes_text, parts_text, FilePages{dir, "di-", di}, FilePages{dir, "st-", st},
                                         settings, bench::kNow);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const double peak = max_rss_mb();
  fs::remove_all(dir);

  std::printf("{\"nodes\": %zu, \"scontrol_text_mb\": %.1f, \"actions\": %zu, \"rss_before_mb\": %.1f, "
              "\"peak_rss_mb\": %.1f, \"iteration_ms_with_file_reads\": %.1f}\n",
              nodes, nodes_text.size() / 1e6, plan.actions.size(), before, peak, ms);
  return 0;
}
