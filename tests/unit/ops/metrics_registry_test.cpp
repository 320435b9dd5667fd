// DaemonMetrics: histograms, call/command classification, the JSON clustermgtd persists, and
// the Prometheus text the dashboard renders from it.
#include "daemons/metrics_registry.h"

#include "daemons/cluster_status.h"

#include <gtest/gtest.h>

#include <thread>

#include "prom_grammar.h"

namespace ebbflow::daemons {
namespace {

using nlohmann::json;

bool has_line(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

aws::AwsCallRecord call(std::string action, bool ok, int attempts, int status = 200, std::string code = "",
                        ErrorKind kind = ErrorKind::kInternal, int throttled = 0, int ms = 20) {
  aws::AwsCallRecord r;
  r.service = "ec2";
  r.action = std::move(action);
  r.ok = ok;
  r.attempts = attempts;
  r.http_status = status;
  r.error_code = std::move(code);
  r.error_kind = kind;
  r.throttled_attempts = throttled;
  r.duration = std::chrono::milliseconds(ms);
  return r;
}

TEST(Histogram, BucketsAreUpperBoundsInclusive) {
  Histogram h({0.1, 1});
  h.observe(0.1);   // on the bound: first bucket (le="0.1")
  h.observe(0.5);
  h.observe(7);     // above every bound: +Inf only
  EXPECT_EQ(h.counts, (std::vector<uint64_t>{1, 1, 1}));
  EXPECT_EQ(h.count, 3u);
  EXPECT_DOUBLE_EQ(h.sum, 7.6);
  Histogram back = Histogram::from_json(h.to_json(), {0.1, 1});
  EXPECT_EQ(back.counts, h.counts);
  EXPECT_EQ(back.count, 3u);
  // Saved with other bounds: starts empty rather than mislabelling buckets.
  Histogram other = Histogram::from_json(h.to_json(), {0.5, 2});
  EXPECT_EQ(other.count, 0u);
  EXPECT_EQ(other.counts.size(), 3u);
  EXPECT_EQ(Histogram::from_json(json("garbage"), {1}).count, 0u);
}

TEST(CloudCallOutcome, Classes) {
  EXPECT_EQ(cloud_call_outcome(call("X", true, 1)), "ok");
  EXPECT_EQ(cloud_call_outcome(call("X", false, 3, 503, "RequestLimitExceeded", ErrorKind::kBackOff, 3)), "throttled");
  EXPECT_EQ(cloud_call_outcome(call("X", false, 3, 0, "ConnectionFailed", ErrorKind::kUnavailable)), "unreachable");
  EXPECT_EQ(cloud_call_outcome(call("X", false, 1, 500, "InsufficientInstanceCapacity", ErrorKind::kBackOff)), "capacity");
  EXPECT_EQ(cloud_call_outcome(call("X", false, 3, 500, "InternalError", ErrorKind::kRetry)), "server_error");
  EXPECT_EQ(cloud_call_outcome(call("X", false, 1, 403, "UnauthorizedOperation", ErrorKind::kGiveUp)), "client_error");
  EXPECT_EQ(cloud_call_outcome(call("X", false, 0, 0, "NoCredentials", ErrorKind::kGiveUp)), "credentials");
}

TEST(CommandOutcome, Classes) {
  EXPECT_EQ(command_outcome(CommandOutput{0, "", ""}), "ok");
  EXPECT_EQ(command_outcome(CommandOutput{1, "", "boom"}), "exit_nonzero");
  EXPECT_EQ(command_outcome(make_error(ErrorKind::kUnavailable, "Timeout", "slow")), "timeout");
  EXPECT_EQ(command_outcome(make_error(ErrorKind::kGiveUp, "SpawnFailed", "no such file")), "spawn_failed");
}

json sample_metrics() {
  DaemonMetrics m;
  m.record_iteration("ok", 0.3, 1800000000);
  m.record_iteration("ok", 0.07, 1800000060);
  m.record_iteration("skipped", 31, 1800000120);
  m.record_phase("observe", 0.2);
  m.record_phase("decide", 0.001);
  m.record_cloud_call(call("DescribeInstances", true, 1));
  m.record_cloud_call(call("DescribeInstances", true, 2, 200, "", ErrorKind::kInternal, 1, 1500));
  m.record_cloud_call(call("DescribeInstances", false, 3, 503, "RequestLimitExceeded", ErrorKind::kBackOff, 3));
  m.record_cloud_call(call("RunInstances", false, 1, 500, "InsufficientInstanceCapacity", ErrorKind::kBackOff));
  m.record_command("scontrol", "ok", 0.01);
  m.record_command("scontrol", "timeout", 30);
  m.record_launches("static-replacement", "ok", 2);
  m.record_launches("static-replacement", "InsufficientInstanceCapacity", 1);
  m.record_terminations("power-saving", "ok", 3);
  return m.to_json();
}

TEST(RenderDaemonMetrics, ClustermgtdFamilies) {
  std::string text = render_daemon_metrics({{"clustermgtd", sample_metrics()}});
  testing::expect_prometheus_text(text);
  EXPECT_TRUE(has_line(text, "# TYPE ebbflow_clustermgtd_iteration_duration_seconds histogram"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iterations_total{outcome=\"ok\"} 2"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iterations_total{outcome=\"skipped\"} 1"));
  // Cumulative buckets: 0.07 <= 0.1; 0.3 <= 0.5; 31 only in 60 and +Inf.
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iteration_duration_seconds_bucket{le=\"0.05\"} 0"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iteration_duration_seconds_bucket{le=\"0.1\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iteration_duration_seconds_bucket{le=\"0.5\"} 2"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iteration_duration_seconds_bucket{le=\"30\"} 2"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iteration_duration_seconds_bucket{le=\"60\"} 3"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iteration_duration_seconds_bucket{le=\"+Inf\"} 3"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iteration_duration_seconds_count 3"));
  EXPECT_NE(text.find("\nebbflow_clustermgtd_iteration_duration_seconds_sum 31.3"), std::string::npos);
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_last_iteration_duration_seconds 31"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_last_iteration_timestamp_seconds 1800000120"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_phase_duration_seconds_count{phase=\"observe\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_phase_duration_seconds_bucket{phase=\"decide\",le=\"0.05\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_launches_total{reason=\"static-replacement\",outcome=\"ok\"} 2"));
  EXPECT_TRUE(has_line(
      text, "ebbflow_clustermgtd_launches_total{reason=\"static-replacement\",outcome=\"InsufficientInstanceCapacity\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_terminations_total{reason=\"power-saving\",outcome=\"ok\"} 3"));
}

TEST(RenderDaemonMetrics, CloudAndSchedulerFamiliesPerComponent) {
  DaemonMetrics dash;
  dash.record_cloud_call(call("DescribeInstances", true, 1));
  std::string text = render_daemon_metrics({{"clustermgtd", sample_metrics()}, {"dashboard", dash.to_json()}});
  testing::expect_prometheus_text(text);
  const std::string mgtd = "component=\"clustermgtd\",service=\"ec2\",action=\"DescribeInstances\"";
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_calls_total{" + mgtd + ",outcome=\"ok\"} 2"));
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_calls_total{" + mgtd + ",outcome=\"throttled\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_calls_total{component=\"dashboard\",service=\"ec2\",action=\"DescribeInstances\","
                             "outcome=\"ok\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_retries_total{" + mgtd + "} 3"));  // 0 + 1 + 2
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_throttled_attempts_total{" + mgtd + "} 4"));
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_errors_total{" + mgtd + ",code=\"RequestLimitExceeded\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_errors_total{component=\"clustermgtd\",service=\"ec2\",action=\"RunInstances\","
                             "code=\"InsufficientInstanceCapacity\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_call_duration_seconds_count{" + mgtd + "} 3"));
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_call_duration_seconds_bucket{" + mgtd + ",le=\"1\"} 2"));  // 1.5 s above
  EXPECT_TRUE(has_line(text, "ebbflow_scheduler_commands_total{component=\"clustermgtd\",command=\"scontrol\",outcome=\"timeout\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_scheduler_command_duration_seconds_count{component=\"clustermgtd\",command=\"scontrol\"} 2"));
}

TEST(RenderDaemonMetrics, NothingRecordedYetStillDeclaresFamilies) {
  std::string text = render_daemon_metrics({{"clustermgtd", nullptr}, {"dashboard", DaemonMetrics().to_json()}});
  testing::expect_prometheus_text(text);
  EXPECT_TRUE(has_line(text, "# TYPE ebbflow_cloud_api_calls_total counter"));
  EXPECT_EQ(text.find("\nebbflow_clustermgtd_last_iteration_duration_seconds "), std::string::npos);
  EXPECT_EQ(text.find("\nebbflow_clustermgtd_iteration_duration_seconds_count"), std::string::npos);
  // A corrupt file's JSON renders as if empty instead of throwing.
  text = render_daemon_metrics({{"clustermgtd", json{{"iterations", {{"ok", "many"}}}, {"last_iteration", 3},
                                                     {"cloud_calls", "x"}, {"phase_seconds", {{"act", 1}}}}}});
  testing::expect_prometheus_text(text);
  EXPECT_EQ(text.find("ebbflow_clustermgtd_iterations_total{"), std::string::npos);
}

TEST(DaemonMetrics, JsonRoundTripContinuesCounters) {
  const json saved = sample_metrics();
  DaemonMetrics restarted;
  restarted.merge_json(json::parse(saved.dump()));
  EXPECT_EQ(restarted.to_json(), saved);
  restarted.record_iteration("ok", 0.2, 1800000180);
  restarted.record_cloud_call(call("DescribeInstances", true, 1));
  std::string text = render_daemon_metrics({{"clustermgtd", restarted.to_json()}});
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iterations_total{outcome=\"ok\"} 3"));
  EXPECT_TRUE(has_line(text, "ebbflow_clustermgtd_iteration_duration_seconds_count 4"));
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_calls_total{component=\"clustermgtd\",service=\"ec2\","
                             "action=\"DescribeInstances\",outcome=\"ok\"} 3"));
  DaemonMetrics tolerant;
  tolerant.merge_json(json::parse("[1,2]"));
  tolerant.merge_json(json{{"cloud_calls", {{{"service", "ec2"}, {"calls", "NaN"}}}}});
  testing::expect_prometheus_text(render_daemon_metrics({{"clustermgtd", tolerant.to_json()}}));
}

TEST(DaemonMetrics, ThreadSafeRecording) {
  DaemonMetrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&m] {
      for (int i = 0; i < 500; ++i) {
        m.record_cloud_call(call("DescribeInstances", true, 1));
        m.record_command("squeue", "ok", 0.001);
        if (i % 50 == 0) (void)m.to_json();
      }
    });
  for (auto& t : threads) t.join();
  std::string text = render_daemon_metrics({{"dashboard", m.to_json()}});
  EXPECT_TRUE(has_line(text, "ebbflow_cloud_api_calls_total{component=\"dashboard\",service=\"ec2\","
                             "action=\"DescribeInstances\",outcome=\"ok\"} 2000"));
  EXPECT_TRUE(has_line(text, "ebbflow_scheduler_commands_total{component=\"dashboard\",command=\"squeue\",outcome=\"ok\"} 2000"));
}

class ScriptedRunner : public CommandRunner {
 public:
  Result<CommandOutput> run(const CommandSpec& spec) override {
    if (spec.argv.size() > 1 && spec.argv[1] == "slow") return make_error(ErrorKind::kUnavailable, "Timeout", "killed");
    return CommandOutput{spec.argv.size() > 1 && spec.argv[1] == "bad" ? 1 : 0, "out", ""};
  }
};

TEST(CountingCommandRunner, CountsByProgramNameAndPassesResultsThrough) {
  ScriptedRunner inner;
  DaemonMetrics m;
  CountingCommandRunner runner(inner, m);
  auto ok = runner.run({{"/usr/bin/scontrol", "show"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->out, "out");
  EXPECT_EQ(runner.run({{"/usr/bin/scontrol", "bad"}})->exit_code, 1);
  EXPECT_FALSE(runner.run({{"squeue", "slow"}}).ok());
  std::string text = render_daemon_metrics({{"clustermgtd", m.to_json()}});
  EXPECT_TRUE(has_line(text, "ebbflow_scheduler_commands_total{component=\"clustermgtd\",command=\"scontrol\",outcome=\"ok\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_scheduler_commands_total{component=\"clustermgtd\",command=\"scontrol\","
                             "outcome=\"exit_nonzero\"} 1"));
  EXPECT_TRUE(has_line(text, "ebbflow_scheduler_commands_total{component=\"clustermgtd\",command=\"squeue\",outcome=\"timeout\"} 1"));
}

TEST(StatusTable, ShowsClustermgtdsLastIteration) {
  json st = {{"name", "c1"}, {"fleet", "RUNNING"}, {"heartbeat_age_s", 2}, {"instance_count", 1},
             {"daemons", json::object()}, {"queues", json::array()},
             {"last_iteration", {{"time", 1800000000}, {"seconds", 0.4567}, {"outcome", "actions_failed"}}}};
  EXPECT_NE(render_status_table(st).find("last iteration 0.46 s actions_failed"), std::string::npos)
      << render_status_table(st);
  st["last_iteration"] = nullptr;  // clustermgtd never wrote its metrics
  EXPECT_EQ(render_status_table(st).find("last iteration"), std::string::npos);
}

}  // namespace
}  // namespace ebbflow::daemons
