// The operators' view: `ebbflow dashboard` (HTTP dashboard + Prometheus /metrics, see
// daemons/dashboard.h) and `ebbflow events` (the event log, filtered, in a human format).
#include <chrono>
#include <filesystem>
#include <iostream>
#include <regex>
#include <thread>

#include "cli/commands.h"
#include "daemons/cluster_context.h"
#include "daemons/dashboard.h"
#include "daemons/metrics.h"

namespace ebbflow::cli {

void register_ops_commands(CLI::App& app) {
  auto* dash = app.add_subcommand("dashboard", "Serve a live web dashboard and Prometheus /metrics on 127.0.0.1");
  auto* dash_opts = new daemons::DashboardOptions;
  dash->add_option("--cluster-dir", dash_opts->cluster_dir, "the cluster's folder")->required();
  dash->add_option("--port", dash_opts->port, "TCP port on 127.0.0.1 (0: any free port; written to run/dashboard.endpoint)")
      ->check(CLI::Range(0, 65535));
  dash->add_option("--interval-ms", dash_opts->sample_interval_ms, "how often the status is sampled")
      ->check(CLI::Range(200, 600000));
  dash->callback([=] {
    int rc = daemons::run_dashboard(*dash_opts);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto* ev = app.add_subcommand("events", "Print a cluster's events (one line per decision), optionally following");
  auto* name = new std::string;
  auto* node = new std::string;
  auto* rule = new std::string;
  auto* since = new std::string;
  auto* follow = new bool(false);
  ev->add_option("name", *name, "cluster name")->required();
  ev->add_option("--node", *node, "only events naming this node");
  ev->add_option("--rule", *rule, "only events of this rule (static-replacement, power-saving, ...)");
  ev->add_option("--since", *since, "only events at or after this UTC time (2026-11-26T01:00:00Z, or a prefix)");
  ev->add_flag("-f,--follow", *follow, "keep printing new events as they are written (Ctrl-C to stop)");
  ev->callback([=] {
    static const std::regex iso(R"(^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}Z?)?)?)?)?)?$)");
    if (!since->empty() && !std::regex_match(*since, iso)) {
      std::cerr << "error: --since " << *since << ": expected an ISO 8601 UTC time like 2026-11-26T01:00:00Z\n";
      throw CLI::RuntimeError(2);
    }
    daemons::ClusterPaths paths{daemons::cluster_root(*name)};
    if (!std::filesystem::exists(paths.runtime())) {
      std::cerr << "error: no cluster named '" << *name << "' (" << paths.root << ")\n";
      throw CLI::RuntimeError(1);
    }
    daemons::EventTail tail(paths.events());
    while (true) {
      for (const auto& e : tail.read_new())
        if (daemons::event_matches(e.event, *node, *rule, *since)) std::cout << daemons::format_event_line(e.event) << "\n";
      std::cout.flush();
      if (!*follow) break;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  });
}

}  // namespace ebbflow::cli
