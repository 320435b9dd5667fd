// render_metrics: Prometheus text from a status JSON and event counters.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "daemons/metrics.h"

namespace ebbflow::daemons {
namespace {

using nlohmann::json;

json sample_status() {
  return json::parse(R"({
    "name": "c1", "heartbeat_age_s": 7, "instance_count": 3,
    "protected_partitions": {"gpu": "too many bootstrap failures"},
    "daemons": {"clustermgtd": {"pid": 10, "running": true}, "cloud": {"pid": 0, "running": false}},
    "queues": [{"name": "work", "compute_resources": [
      {"name": "c5", "nodes_by_state": {"IDLE+CLOUD": 1, "power-saved": 2}},
      {"name": "m5", "nodes_by_state": {"ALLOCATED+CLOUD": 4}}]}]
  })");
}

// Every line is a comment (# HELP/# TYPE) or `name{labels} value` per text format 0.0.4.
void expect_grammar(const std::string& text) {
  static const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  static const std::regex sample(
      R"re(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? -?[0-9.eE+-]+$)re");
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    EXPECT_TRUE(std::regex_match(line, comment) || std::regex_match(line, sample)) << "line " << n << ": " << line;
  }
  EXPECT_EQ(text.back(), '\n');
}

TEST(RenderMetrics, GaugesFromStatus) {
  EventCounters c;
  std::string text = render_metrics(sample_status(), c);
  expect_grammar(text);
  EXPECT_NE(text.find("ebbflow_nodes{queue=\"work\",compute_resource=\"c5\",state=\"IDLE+CLOUD\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("ebbflow_nodes{queue=\"work\",compute_resource=\"c5\",state=\"power-saved\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("ebbflow_nodes{queue=\"work\",compute_resource=\"m5\",state=\"ALLOCATED+CLOUD\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("ebbflow_instances 3\n"), std::string::npos);
  EXPECT_NE(text.find("ebbflow_heartbeat_age_seconds 7\n"), std::string::npos);
  EXPECT_NE(text.find("ebbflow_protected_mode{queue=\"gpu\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("ebbflow_protected_mode{queue=\"work\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("ebbflow_daemon_up{daemon=\"clustermgtd\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("ebbflow_daemon_up{daemon=\"cloud\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE ebbflow_actions_total counter\n"), std::string::npos);
}

TEST(RenderMetrics, UnknownValuesAreLeftOutNotZero) {
  json st = {{"name", "c1"}, {"heartbeat_age_s", nullptr}, {"slurm_error", "unreachable"}, {"queues", json::array()},
             {"daemons", json::object()}};
  std::string text = render_metrics(st, {});
  expect_grammar(text);
  EXPECT_EQ(text.find("\nebbflow_instances "), std::string::npos);
  EXPECT_EQ(text.find("\nebbflow_heartbeat_age_seconds "), std::string::npos);
  EXPECT_EQ(text.find("ebbflow_nodes{"), std::string::npos);
  // A status that is only an error (cluster folder unreadable) still renders.
  expect_grammar(render_metrics(json{{"error", "x"}}, {}));
}

TEST(RenderMetrics, CountersFromEvents) {
  EventCounters c;
  c.add({{"rule", "power-saving"}, {"action", "terminate-instances"}, {"outcome", "ok"}});
  c.add({{"rule", "power-saving"}, {"action", "terminate-instances"}, {"outcome", "ok"}});
  c.add({{"rule", "launch"}, {"action", "run-instances"}, {"outcome", "error"},
         {"reason", "InsufficientInstanceCapacity: no c5.xlarge"}});
  c.add({{"rule", "launch"}, {"action", "run-instances"}, {"outcome", "some \"odd\" text"}, {"reason", "no code here"}});
  std::string text = render_metrics(sample_status(), c);
  expect_grammar(text);
  EXPECT_NE(text.find("ebbflow_actions_total{rule=\"power-saving\",action=\"terminate-instances\",outcome=\"ok\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("ebbflow_actions_total{rule=\"launch\",action=\"run-instances\",outcome=\"error\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("ebbflow_launch_failures_total{code=\"InsufficientInstanceCapacity\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("ebbflow_launch_failures_total{code=\"Unknown\"} 1\n"), std::string::npos);
}

TEST(RenderMetrics, LabelValuesAreEscaped) {
  EXPECT_EQ(prometheus_escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  json st = sample_status();
  st["queues"][0]["name"] = "we\"ird\nq";
  std::string text = render_metrics(st, {});
  expect_grammar(text);
  EXPECT_NE(text.find("queue=\"we\\\"ird\\nq\""), std::string::npos);
}

TEST(LaunchFailureCode, OnlyFailedRunInstances) {
  EXPECT_EQ(launch_failure_code({{"action", "run-instances"}, {"outcome", "ok"}, {"reason", "X: y"}}), "");
  EXPECT_EQ(launch_failure_code({{"action", "bind-nodes"}, {"outcome", "error"}, {"reason", "X: y"}}), "");
  EXPECT_EQ(launch_failure_code({{"action", "run-instances"}, {"outcome", "error"}, {"reason", "VcpuLimitExceeded: y"}}),
            "VcpuLimitExceeded");
  EXPECT_EQ(outcome_class("ok"), "ok");
  EXPECT_EQ(outcome_class("warning"), "warning");
  EXPECT_EQ(outcome_class("error"), "error");
  EXPECT_EQ(outcome_class("boom: something"), "error");
  EXPECT_EQ(launch_failure_code({{"action", "create-fleet"}, {"outcome", "error"},
                                 {"reason", "InsufficientInstanceCapacity: InsufficientInstanceCapacity for c5.xlarge"}}),
            "InsufficientInstanceCapacity");
}

}  // namespace
}  // namespace ebbflow::daemons
