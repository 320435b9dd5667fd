#include "sim/html_report.h"

#include <cstdio>
#include <sstream>

#include "sim/svg_plot.h"

namespace ebbflow::sim {
namespace {

const char* color_of(Policy p) {
  switch (p) {
    case Policy::kEbbflow: return "#1f77b4";
    case Policy::kPcluster3: return "#d62728";
    case Policy::kPcluster2: return "#ff7f0e";
    case Policy::kStatic: return "#7f7f7f";
    case Policy::kLowerBound: return "#2ca02c";
  }
  return "#000";
}

std::vector<double> days(const Series& s) {
  std::vector<double> x;
  for (size_t i = 0; i < s.nodes.size(); ++i) x.push_back(static_cast<double>(i) * static_cast<double>(s.step) / 86400.0);
  return x;
}

std::vector<double> as_double(const std::vector<int>& v) { return {v.begin(), v.end()}; }

}  // namespace

std::string format_html(const RunReport& r) {
  std::ostringstream o;
  o << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>ebbflow simulate: " << html_escape(r.trace_name)
    << "</title><style>body{font-family:sans-serif;max-width:1100px;margin:20px auto}"
       "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
       "th{background:#eee}td:first-child{text-align:left}</style></head><body>";
  o << "<h1>ebbflow simulate: " << html_escape(r.trace_name) << "</h1>";
  o << "<p>" << r.jobs_in_trace << " jobs in the trace, " << r.jobs_skipped << " skipped; " << r.settings.cores_per_node
    << " cores per node (" << html_escape(r.settings.instance_type) << "), MaxCount " << r.settings.max_nodes
    << ", boot " << r.settings.cloud.boot_time_s << " s, ScaledownIdletime " << r.settings.scaledown_idletime_s
    << " s, seed " << r.settings.seed << ".</p>";
  o << "<table><tr><th>policy</th><th>billed node-h</th><th>idle node-h</th><th>ratio to lower bound</th>"
       "<th>wait mean s</th><th>p50 s</th><th>p95 s</th><th>bounded slowdown</th><th>jobs waiting for a boot</th>"
       "<th>launches</th><th>terminations</th><th>API calls</th></tr>";
  char buf[512];
  for (const auto& p : r.results) {
    std::snprintf(buf, sizeof buf,
                  "<tr><td>%s</td><td>%.0f</td><td>%.0f</td><td>%.4f</td><td>%.1f</td><td>%.0f</td><td>%.0f</td>"
                  "<td>%.3f</td><td>%.1f %%</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>",
                  policy_name(p.policy), p.billed_node_hours, p.idle_node_hours, p.cost_ratio, p.wait_mean_s,
                  p.wait_p50_s, p.wait_p95_s, p.bounded_slowdown_mean,
                  p.jobs ? 100.0 * static_cast<double>(p.boot_wait_jobs) / static_cast<double>(p.jobs) : 0.0,
                  static_cast<long long>(p.launches), static_cast<long long>(p.terminations),
                  static_cast<long long>(p.api_calls));
    o << buf;
  }
  o << "</table>";

  PlotSpec nodes{"Nodes billed over time, against demand (nodes held by jobs)", "days from the first submit", "nodes", {}};
  PlotSpec queue{"Queue length", "days from the first submit", "jobs waiting in the queue", {}};
  bool demand_drawn = false;
  for (const auto& p : r.results) {
    if (p.series.nodes.empty()) continue;
    auto x = days(p.series);
    if (!demand_drawn && p.policy != Policy::kStatic) {
      nodes.series.push_back({"demand (" + std::string(policy_name(p.policy)) + ")", "#2ca02c", x, as_double(p.series.busy)});
      demand_drawn = true;
    }
    nodes.series.push_back({policy_name(p.policy), color_of(p.policy), x, as_double(p.series.nodes)});
    queue.series.push_back({policy_name(p.policy), color_of(p.policy), x, as_double(p.series.queued)});
  }
  o << "<h2>Nodes over time</h2>" << svg_plot(nodes);
  o << "<h2>Queue length</h2>" << svg_plot(queue);

  PlotSpec waits{"Wait distribution (quantiles)", "share of jobs (%)", "wait (s)", {}};
  for (const auto& p : r.results) {
    if (p.wait_quantiles.empty()) continue;
    PlotSeries s{policy_name(p.policy), color_of(p.policy), {}, {}};
    for (size_t q = 0; q < p.wait_quantiles.size(); ++q) {
      s.x.push_back(static_cast<double>(q));
      s.y.push_back(p.wait_quantiles[q]);
    }
    waits.series.push_back(std::move(s));
  }
  o << "<h2>Wait distribution</h2>" << svg_plot(waits);

  if (!r.sweep.empty()) {
    PlotSpec cost{"Cost against mean wait, ScaledownIdletime 0 to 60 min", "mean wait (s)",
                  "billed / lower bound", {}};
    for (Policy p : {Policy::kPcluster3, Policy::kEbbflow}) {
      PlotSeries s{policy_name(p), color_of(p), {}, {}, true};
      for (const auto& pt : r.sweep)
        if (pt.policy == p) {
          s.x.push_back(pt.wait_mean_s);
          s.y.push_back(pt.cost_ratio);
        }
      cost.series.push_back(std::move(s));
    }
    o << "<h2>Cost against wait</h2>" << svg_plot(cost);
    o << "<table><tr><th>policy</th><th>ScaledownIdletime (min)</th><th>ratio</th><th>wait mean s</th>"
         "<th>wait p95 s</th><th>jobs waiting for a boot</th></tr>";
    for (const auto& pt : r.sweep) {
      std::snprintf(buf, sizeof buf, "<tr><td>%s</td><td>%lld</td><td>%.4f</td><td>%.1f</td><td>%.0f</td><td>%.1f %%</td></tr>",
                    policy_name(pt.policy), static_cast<long long>(pt.idletime_s / 60), pt.cost_ratio, pt.wait_mean_s,
                    pt.wait_p95_s, 100 * pt.boot_wait_share);
      o << buf;
    }
    o << "</table>";
  }
  o << "<p>Models and approximations: docs/simulation.md.</p></body></html>\n";
  return o.str();
}

}  // namespace ebbflow::sim
