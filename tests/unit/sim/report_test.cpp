#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/html_report.h"
#include "sim/report.h"
#include "sim_test_util.h"

namespace ebbflow::sim {
namespace {

RunReport sample() {
  auto trace = testing::make_trace({{0, 1000, 1}, {50, 200, 2}, {4000, 10, 1}});
  RunReport r;
  r.trace_name = trace.name;
  r.settings = testing::small_settings();
  r.settings.series_points = 50;
  for (Policy p : all_policies()) r.results.push_back(run_policy(trace, p, r.settings));
  fill_cost_ratios(r.results, trace, r.settings);
  r.sweep.push_back({Policy::kPcluster3, 600, 1.5, 100, 300, 0.5});
  return r;
}

TEST(Report, JsonHasOneObjectPerPolicyWithTheRequiredFields) {
  auto j = nlohmann::json::parse(format_json(sample()));
  for (const char* name : {"ebbflow", "pcluster3", "pcluster2", "static", "lower-bound"}) {
    ASSERT_TRUE(j["policies"].contains(name)) << name;
    for (const char* field : {"billed_node_hours", "idle_node_hours", "wait_mean_s", "wait_p50_s", "wait_p95_s",
                              "bounded_slowdown_mean", "launches", "terminations", "api_calls"})
      EXPECT_TRUE(j["policies"][name].contains(field)) << name << "." << field;
  }
  EXPECT_DOUBLE_EQ(j["policies"]["lower-bound"]["cost_ratio"].get<double>(), 1.0);
  // ebbflow's feedback reports its idle-timer model's boot waits; the other policies have none.
  EXPECT_TRUE(j["policies"]["ebbflow"].contains("idle_timer_model_boot_wait_jobs"));
  EXPECT_FALSE(j["policies"]["pcluster3"].contains("idle_timer_model_boot_wait_jobs"));
}

TEST(Report, CsvHasAHeaderAndOneRowPerPolicy) {
  std::string csv = format_csv(sample());
  size_t lines = 0;
  for (char c : csv) lines += c == '\n';
  EXPECT_EQ(lines, 6u);
  EXPECT_EQ(csv.rfind("trace,policy,", 0), 0u);
}

TEST(Report, HtmlIsSelfContainedWithPlots) {
  std::string html = format_html(sample());
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Cost against wait"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
}

}  // namespace
}  // namespace ebbflow::sim
