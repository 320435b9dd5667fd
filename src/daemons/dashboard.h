// `ebbflow dashboard`: the operators' view of one cluster over HTTP, on 127.0.0.1 only.
//
// Routes: /metrics (Prometheus text, metrics.h), /api/status (cluster_status.h JSON),
// /api/overview (jobs waiting/running and the nodes-vs-demand samples), /api/events (recent
// event lines after a byte-offset cursor, filterable by node and rule) and / (a self-contained
// live page, dashboard_page.h). Computing the status runs scontrol and calls the cloud, which
// can take seconds, so a sampler thread does it every few seconds and requests only read its
// cached results. The dashboard writes its address to <cluster>/run/dashboard.endpoint (and its
// pid to run/dashboard.pid when nobody did) and removes both when it stops on SIGTERM/SIGINT.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemons/metrics.h"

namespace ebbflow::daemons {

struct DashboardOptions {
  std::string cluster_dir;
  int port = 0;                   // 0: any free port
  int sample_interval_ms = 3000;
  size_t max_samples = 400;       // ring buffer of the chart (~20 minutes at 3 s)
  size_t max_events = 500;        // recent events kept in memory for /api/events
};

// One point of the nodes-vs-demand chart.
struct DemandSample {
  int64_t time = 0;
  int busy_nodes = -1;     // -1: unknown (Slurm unreachable)
  int powered_nodes = -1;
  int pending_jobs = -1;
  int running_jobs = -1;
};

// Counts from a status JSON: nodes allocated/mixed/completing (busy) and nodes not power-saved.
void count_nodes(const nlohmann::json& status, int& busy, int& powered);
// Counts of `squeue -h -o %T` output lines: PENDING and RUNNING (others ignored).
void count_jobs(const std::string& squeue_states, int& pending, int& running);
// Recent events with end_offset > since, newest last, optionally only those naming `node`
// (in their nodes list) or produced by `rule`.
nlohmann::json filter_events(const std::deque<TailedEvent>& events, uint64_t since, const std::string& node,
                             const std::string& rule);
nlohmann::json sample_to_json(const DemandSample& s);

// Runs until SIGTERM or SIGINT. Returns the process exit code.
int run_dashboard(const DashboardOptions& options);

}  // namespace ebbflow::daemons
