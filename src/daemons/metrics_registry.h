// In-process metrics of a daemon: clustermgtd iterations and their phases, cloud API calls (from
// the AwsClient call observer, aws_client.h), scheduler commands (CountingCommandRunner),
// launches and terminations by reason.
//
// clustermgtd and the dashboard are separate processes, so clustermgtd persists its
// DaemonMetrics as JSON next to its heartbeat (<cluster>/clustermgtd-metrics.json, written
// atomically after every iteration, skipped ones included) and reloads it when it starts, which
// keeps its counters monotonic across restarts. The dashboard reads that file every sample and
// renders it, together with its own process's cloud calls, with render_daemon_metrics().
// Label values are bounded sets (services, action names, error codes, rule names), never
// free-form text. Every method is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/aws_client.h"
#include "util/command.h"

namespace ebbflow::daemons {

// Buckets (upper bounds, seconds). An iteration is a few Slurm commands and cloud calls: well
// under a second when healthy, up to minutes when a read times out.
inline const std::vector<double> kIterationBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120};
inline const std::vector<double> kCallBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

struct Histogram {
  std::vector<double> bounds;    // ascending upper bounds; +Inf is implicit
  std::vector<uint64_t> counts;  // per bucket, NOT cumulative; bounds.size() + 1 entries
  double sum = 0;
  uint64_t count = 0;

  explicit Histogram(std::vector<double> b = {}) : bounds(std::move(b)), counts(bounds.size() + 1, 0) {}
  void observe(double value);
  nlohmann::json to_json() const;
  // A histogram saved with other bounds (or unreadable) starts empty with `bounds`.
  static Histogram from_json(const nlohmann::json& j, const std::vector<double>& bounds);
};

// The `outcome` label of a cloud call: ok | throttled | unreachable (no HTTP reply) | capacity
// (back off, not throttling: InsufficientInstanceCapacity) | server_error | client_error |
// credentials (no attempt was made).
std::string cloud_call_outcome(const aws::AwsCallRecord& record);
// The `outcome` of a scheduler command: ok | exit_nonzero | timeout | spawn_failed.
std::string command_outcome(const Result<CommandOutput>& result);

class DaemonMetrics {
 public:
  void record_iteration(const std::string& outcome, double seconds, int64_t now);
  void record_phase(const std::string& phase, double seconds);  // observe | decide | act
  void record_cloud_call(const aws::AwsCallRecord& record);
  void record_command(const std::string& command, const std::string& outcome, double seconds);
  // Nodes launched / instances terminated by clustermgtd, by the rule that asked (reason) and
  // outcome ("ok" or the error code).
  void record_launches(const std::string& reason, const std::string& outcome, uint64_t count);
  void record_terminations(const std::string& reason, const std::string& outcome, uint64_t count);

  nlohmann::json to_json() const;
  // Restores counters saved by to_json(); unknown or malformed parts are ignored.
  void merge_json(const nlohmann::json& j);

 private:
  struct CallStats {
    uint64_t calls = 0;
    uint64_t retries = 0;             // attempts after the first
    uint64_t throttled_attempts = 0;
  };
  using Key2 = std::pair<std::string, std::string>;
  using Key3 = std::tuple<std::string, std::string, std::string>;

  mutable std::mutex mu_;
  std::map<std::string, uint64_t> iterations_;  // by outcome
  Histogram iteration_seconds_{kIterationBuckets};
  nlohmann::json last_iteration_;               // {time, seconds, outcome} or null
  std::map<std::string, Histogram> phase_seconds_;
  std::map<Key3, CallStats> calls_;             // service, action, outcome
  std::map<Key2, Histogram> call_seconds_;      // service, action
  std::map<Key3, uint64_t> call_errors_;        // service, action, error code
  std::map<Key2, uint64_t> commands_;           // command, outcome
  std::map<std::string, Histogram> command_seconds_;
  std::map<Key2, uint64_t> launches_;           // reason, outcome
  std::map<Key2, uint64_t> terminations_;       // reason, outcome
};

// Counts every command (by program name, outcome and duration) on its way to `inner`.
class CountingCommandRunner : public CommandRunner {
 public:
  CountingCommandRunner(CommandRunner& inner, DaemonMetrics& metrics) : inner_(inner), metrics_(metrics) {}
  Result<CommandOutput> run(const CommandSpec& spec) override;

 private:
  CommandRunner& inner_;
  DaemonMetrics& metrics_;
};

// Where clustermgtd persists its metrics (next to the heartbeat).
std::string clustermgtd_metrics_path(const std::string& cluster_root);

// Prometheus text (format 0.0.4) of daemons' metrics, given as (component, DaemonMetrics JSON)
// pairs: clustermgtd iteration families come from the "clustermgtd" component; cloud and
// scheduler families carry a `component` label. Families with no samples still get their
// HELP/TYPE lines, so a scrape shows what exists.
std::string render_daemon_metrics(const std::vector<std::pair<std::string, nlohmann::json>>& components);

}  // namespace ebbflow::daemons
