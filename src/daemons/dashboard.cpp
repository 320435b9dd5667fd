#include "daemons/dashboard.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>

#include "daemons/cluster_context.h"
#include "daemons/cluster_status.h"
#include "daemons/dashboard_page.h"
#include "daemons/metrics_registry.h"
#include "daemons/process.h"
#include "scheduler/slurm/slurm_client.h"
#include "util/command.h"

namespace ebbflow::daemons {
namespace {

using nlohmann::json;

// What the sampler thread last learned. `mu` guards every field: the sampler writes them once
// per interval (after doing the slow work without the lock), request handlers copy them out.
struct Shared {
  std::mutex mu;
  json status = json::object();
  bool have_status = false;
  json jobs = {{"pending", nullptr}, {"running", nullptr}};
  int64_t sampled_at = 0;
  std::deque<DemandSample> samples;
  std::deque<TailedEvent> events;
  EventCounters counters;
  uint64_t events_offset = 0;
  json clustermgtd_metrics;  // clustermgtd's persisted DaemonMetrics (null until it wrote one)
};

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

void sample_once(const DashboardOptions& o, EventTail& tail, Shared& shared, DaemonMetrics& own) {
  const int64_t now = unix_now();
  auto status = cluster_status_dir(o.cluster_dir);
  json st = status.ok() ? *status : json{{"error", status.error().describe()}};
  DemandSample s;
  s.time = now;
  if (status.ok() && !st.contains("slurm_error")) count_nodes(st, s.busy_nodes, s.powered_nodes);
  ClusterPaths paths{o.cluster_dir};
  SubprocessRunner subprocess;
  CountingCommandRunner runner(subprocess, own);
  slurm::SlurmClient slurm(runner, {"/usr/bin", paths.slurm_conf()});
  if (auto out = slurm.squeue_raw({"-h", "-o", "%T"}); out.ok()) count_jobs(*out, s.pending_jobs, s.running_jobs);
  auto fresh = tail.read_new();
  json mgtd_metrics;
  if (auto text = read_file(clustermgtd_metrics_path(o.cluster_dir)); text.ok()) {
    mgtd_metrics = json::parse(*text, nullptr, false);
    if (mgtd_metrics.is_discarded()) mgtd_metrics = nullptr;
  }

  std::lock_guard<std::mutex> lock(shared.mu);
  shared.status = std::move(st);
  shared.have_status = true;
  shared.jobs = {{"pending", s.pending_jobs < 0 ? json(nullptr) : json(s.pending_jobs)},
                 {"running", s.running_jobs < 0 ? json(nullptr) : json(s.running_jobs)}};
  shared.sampled_at = now;
  shared.samples.push_back(s);
  while (shared.samples.size() > o.max_samples) shared.samples.pop_front();
  for (auto& e : fresh) {
    shared.counters.add(e.event);
    shared.events.push_back(std::move(e));
  }
  while (shared.events.size() > o.max_events) shared.events.pop_front();
  shared.events_offset = tail.offset();
  shared.clustermgtd_metrics = std::move(mgtd_metrics);
}

std::string query(const httplib::Request& req, const char* key) {
  return req.has_param(key) ? req.get_param_value(key) : std::string();
}

// Our own pid in run/dashboard.pid unless a live dashboard already owns it.
Result<bool> claim_pid_file(const std::string& pid_file) {
  auto pid = read_pid_file(pid_file);
  if (pid.ok() && *pid != getpid() && pid_alive(*pid, "dashboard"))
    return make_error(ErrorKind::kInvalidInput, "AlreadyRunning",
                      "a dashboard already runs for this cluster (pid " + std::to_string(*pid) + ")");
  if (pid.ok() && *pid == getpid()) return false;  // spawn_detached wrote it for us
  if (auto st = write_file_atomic(pid_file, std::to_string(getpid()) + "\n"); !st.ok()) return st.error();
  return true;
}

}  // namespace

void count_nodes(const json& status, int& busy, int& powered) {
  busy = 0;
  powered = 0;
  const json queues = status.value("queues", json::array());
  for (const auto& q : queues)
    for (const auto& cr : q.value("compute_resources", json::array())) {
      const json by_state = cr.value("nodes_by_state", json::object());  // items() must not outlive it
      for (const auto& [state, n] : by_state.items()) {
        int count = n.get<int>();
        if (state != "power-saved") powered += count;
        if (contains(state, "ALLOCATED") || contains(state, "MIXED") || contains(state, "COMPLETING")) busy += count;
      }
    }
}

void count_jobs(const std::string& out, int& pending, int& running) {
  pending = 0;
  running = 0;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    line.erase(0, line.find_first_not_of(" \t"));  // squeue pads fixed-width columns
    if (line == "PENDING") ++pending;
    else if (line == "RUNNING") ++running;
  }
}

json filter_events(const std::deque<TailedEvent>& events, uint64_t since, const std::string& node, const std::string& rule) {
  json out = json::array();
  for (const auto& e : events) {
    if (e.end_offset <= since) continue;
    if (!rule.empty() && e.event.value("rule", "") != rule) continue;
    if (!node.empty()) {
      bool found = false;
      for (const auto& n : e.event.value("nodes", json::array())) found = found || (n.is_string() && n == node);
      if (!found) continue;
    }
    json j = e.event;
    j["offset"] = e.end_offset;
    out.push_back(std::move(j));
  }
  return out;
}

json sample_to_json(const DemandSample& s) {
  auto v = [](int x) { return x < 0 ? json(nullptr) : json(x); };
  return {{"t", s.time}, {"busy", v(s.busy_nodes)}, {"powered", v(s.powered_nodes)}, {"pending", v(s.pending_jobs)},
          {"running", v(s.running_jobs)}};
}

int run_dashboard(const DashboardOptions& o) {
  ClusterPaths paths{o.cluster_dir};
  if (!std::filesystem::exists(paths.runtime())) {
    std::fprintf(stderr, "dashboard: %s is not a cluster folder (no cluster.json)\n", o.cluster_dir.c_str());
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(paths.run_dir(), ec);
  const std::string pid_file = paths.run_dir() + "/dashboard.pid";
  const std::string endpoint_file = paths.run_dir() + "/dashboard.endpoint";
  auto claimed = claim_pid_file(pid_file);
  if (!claimed.ok()) {
    std::fprintf(stderr, "dashboard: %s\n", claimed.error().message.c_str());
    return 1;
  }

  // SIGTERM/SIGINT go to one waiting thread only (blocked before any other thread exists).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Shared shared;
  // This process's own cloud calls (the status's DescribeInstances) and squeue runs, reported
  // under component="dashboard" next to clustermgtd's.
  DaemonMetrics own;
  aws::set_process_call_observer([&own](const aws::AwsCallRecord& r) { own.record_cloud_call(r); });
  struct ClearObserver {
    ~ClearObserver() { aws::set_process_call_observer({}); }
  } clear_observer;
  httplib::Server server;
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    std::string body;
    {
      std::lock_guard<std::mutex> lock(shared.mu);
      body = render_metrics(shared.status, shared.counters) +
             render_daemon_metrics({{"clustermgtd", shared.clustermgtd_metrics}, {"dashboard", own.to_json()}});
    }
    res.set_content(body, "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/api/status", [&](const httplib::Request&, httplib::Response& res) {
    json body;
    {
      std::lock_guard<std::mutex> lock(shared.mu);
      body = shared.have_status ? shared.status : json{{"pending", "first sample not taken yet"}};
    }
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  });
  server.Get("/api/overview", [&](const httplib::Request&, httplib::Response& res) {
    json body;
    {
      std::lock_guard<std::mutex> lock(shared.mu);
      json samples = json::array();
      for (const auto& s : shared.samples) samples.push_back(sample_to_json(s));
      body = {{"sampled_at", shared.sampled_at}, {"jobs", shared.jobs}, {"samples", samples},
              {"interval_ms", o.sample_interval_ms}};
    }
    res.set_content(body.dump(), "application/json");
  });
  server.Get("/api/events", [&](const httplib::Request& req, httplib::Response& res) {
    uint64_t since = 0;
    try {
      if (auto s = query(req, "since"); !s.empty()) since = std::stoull(s);
    } catch (const std::exception&) {
      res.status = 400;
      res.set_content(R"j({"error":"since must be a byte offset (an integer)"})j", "application/json");
      return;
    }
    json body;
    {
      std::lock_guard<std::mutex> lock(shared.mu);
      body = {{"next", shared.events_offset},
              {"events", filter_events(shared.events, since, query(req, "node"), query(req, "rule"))}};
    }
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kDashboardPage, "text/html; charset=utf-8");
  });

  int port = o.port > 0 ? (server.bind_to_port("127.0.0.1", o.port) ? o.port : -1) : server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "dashboard: cannot listen on 127.0.0.1:%d\n", o.port);
    return 1;
  }

  // Before the first sample, so that the status it takes already carries the URLs.
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  if (auto st = write_file_atomic(endpoint_file, url + "\n"); !st.ok())
    std::fprintf(stderr, "dashboard: cannot write %s\n", endpoint_file.c_str());

  std::mutex stop_mu;  // guards `stopping` for the sampler's timed wait
  std::condition_variable stop_cv;
  bool stopping = false;
  std::thread sampler([&] {
    EventTail tail(paths.events());
    std::unique_lock<std::mutex> lock(stop_mu);
    while (!stopping) {
      lock.unlock();
      sample_once(o, tail, shared, own);
      lock.lock();
      stop_cv.wait_for(lock, std::chrono::milliseconds(o.sample_interval_ms), [&] { return stopping; });
    }
  });
  std::thread signals([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    {
      std::lock_guard<std::mutex> lock(stop_mu);
      stopping = true;
    }
    stop_cv.notify_all();
    server.stop();
  });

  std::fprintf(stderr, "dashboard for %s at %s/ (metrics at %s/metrics)\n", o.cluster_dir.c_str(), url.c_str(), url.c_str());
  server.listen_after_bind();
  // If listening ended on its own (not through a signal), wake the signal thread so it can end.
  bool signalled;
  {
    std::lock_guard<std::mutex> lock(stop_mu);
    signalled = stopping;
  }
  if (!signalled) kill(getpid(), SIGTERM);

  // listen_after_bind returns only after server.stop(); the signal thread has finished its work.
  signals.join();
  sampler.join();
  std::filesystem::remove(endpoint_file, ec);
  if (auto pid = read_pid_file(pid_file); pid.ok() && *pid == getpid()) std::filesystem::remove(pid_file, ec);
  return 0;
}

}  // namespace ebbflow::daemons
