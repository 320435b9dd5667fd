// SgeScheduler (scheduler/sge) against a live SGE cell (daemons/sge): the adapter's commands,
// parsers and refusal handling meet the real qmaster. Builds a cell in a temp folder through
// the C++ API only, two exec hosts, and checks add_hosts, has_jobs with a running job,
// lock/unlock, busy_nodes, node_health of a killed host (max_unheard 30 s), remove_hosts; then
// stop_cell and no namespace left. Needs root. Prints PASS/FAIL lines; exit 1 on any failure.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>

#include "daemons/sge/exec_host.h"
#include "daemons/sge/sge_cell.h"
#include "daemons/sge/sge_internal.h"
#include "scheduler/sge/sge_scheduler.h"

namespace dsge = ebbflow::daemons::sge;
using namespace std::chrono_literals;

namespace {
int failures = 0;

bool check(const std::string& what, bool ok, const std::string& detail = "") {
  std::cout << (ok ? "PASS " : "FAIL ") << what << (ok || detail.empty() ? "" : "  (" + detail + ")") << std::endl;
  if (!ok) ++failures;
  return ok;
}

bool eventually(std::chrono::seconds timeout, const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(500ms);
  }
  return pred();
}

void progress(const std::string& line) { std::cout << "  " << line << std::endl; }
}  // namespace

int main() {
  if (geteuid() != 0) {
    std::cout << "SKIP: needs root (network namespaces)\n";
    return 0;
  }
  char tmpl[] = "/tmp/ef-sgelive-XXXXXX";
  if (!mkdtemp(tmpl)) return 2;
  ebbflow::daemons::ClusterPaths paths{tmpl};
  auto started = std::chrono::steady_clock::now();
  std::vector<int> execds;
  {
    auto st = dsge::create_cell(paths, "live", progress);
    if (check("create_cell", st.ok(), st.ok() ? "" : st.error().describe()) &&
        check("start_qmaster", (st = dsge::start_qmaster(paths, progress)).ok(), st.ok() ? "" : st.error().describe())) {
      ebbflow::SubprocessRunner runner;
      ebbflow::sge::SgeSettings settings;
      settings.bin_dir = paths.bin_dir();
      settings.timeout = 20000ms;
      ebbflow::sge::SgeScheduler sched(runner, settings);
      auto cell = dsge::load_cell(paths);
      auto n1 = dsge::prepare_exec_host(paths, "node1");
      auto n2 = dsge::prepare_exec_host(paths, "node2");
      check("prepare_exec_host x2", n1.ok() && n2.ok());

      auto added = sched.add_hosts({{"i-1", "node1", 1, 0}, {"i-2", "node2", 1, 0}});
      check("add_hosts: both succeeded", added.succeeded.size() == 2 && added.failed.empty(),
            added.messages.empty() ? "" : added.messages.front());
      auto again = sched.add_hosts({{"i-1", "node1", 1, 0}});
      check("add_hosts is idempotent", again.succeeded.size() == 1 && again.failed.empty());
      for (auto* h : {&*n1, &*n2}) {
        check("wait_until_admin_host " + h->hostname, dsge::wait_until_admin_host(paths, h->hostname, 10s).ok());
        auto pid = dsge::start_execd(paths, *h);
        if (pid.ok()) execds.push_back(*pid);
      }
      check("two execds started", execds.size() == 2);
      bool reporting = eventually(30s, [&] {
        auto r = dsge::run_client(runner, paths, *cell, "qhost", {"-h", "node1,node2"});
        return r.ok() && r->out.find("node1                   lx-amd64") != std::string::npos &&
               r->out.find("node2                   lx-amd64") != std::string::npos;
      });
      check("both execds report", reporting);
      auto h1 = sched.node_health("node1");
      check("node_health(node1) up", h1.ok() && *h1 == ebbflow::sched::NodeHealth::kUp);
      auto h9 = sched.node_health("node9");
      check("node_health(unknown) missing", h9.ok() && *h9 == ebbflow::sched::NodeHealth::kMissing);

      auto sub = dsge::run_client(runner, paths, *cell, "qsub",
                                  {"-b", "y", "-o", "/dev/null", "-j", "y", "-l", "hostname=node1", "/bin/sleep", "300"});
      check("qsub", sub.ok() && sub->exit_code == 0);
      check("has_jobs(node1) with a running job", eventually(30s, [&] {
              auto r = sched.has_jobs("node1");
              return r.ok() && *r;
            }));
      auto idle = sched.has_jobs("node2");
      check("has_jobs(node2) false", idle.ok() && !*idle);
      auto busy = sched.busy_nodes();
      check("busy_nodes == 1", busy.ok() && *busy == 1, busy.ok() ? std::to_string(*busy) : busy.error().describe());

      check("lock_host(node2)", sched.lock_host("node2").ok());
      auto locked = sched.hosts();
      bool disabled = false;
      if (locked.ok())
        for (const auto& h : *locked)
          if (h.name == "node2") disabled = h.state.find('d') != std::string::npos;
      check("node2 is disabled in qstat", disabled);
      auto still_up = sched.node_health("node2");
      check("a locked host is still up", still_up.ok() && *still_up == ebbflow::sched::NodeHealth::kUp);
      check("unlock_host(node2)", sched.unlock_host("node2").ok());
      auto unlocked = sched.hosts();
      bool enabled = unlocked.ok();
      if (unlocked.ok())
        for (const auto& h : *unlocked)
          if (h.name == "node2") enabled = h.state.find('d') == std::string::npos;
      check("node2 enabled again", enabled);

      // Host death: SIGKILL node2's execd; SGE marks it 'u' after max_unheard (30 s).
      kill(execds[1], SIGKILL);
      waitpid(execds[1], nullptr, 0);
      auto t_kill = std::chrono::steady_clock::now();
      bool down = eventually(75s, [&] {
        auto r = sched.node_health("node2");
        return r.ok() && *r == ebbflow::sched::NodeHealth::kDown;
      });
      check("node_health(killed node2) down", down);
      std::cout << "  down after " << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t_kill).count()
                << " s\n";

      // node1's job ends first (qdel while its execd is alive: safe, see docs/sge.md).
      (void)dsge::run_client(runner, paths, *cell, "qdel", {"-f", "*"});
      eventually(20s, [&] {
        auto r = sched.has_jobs("node1");
        return r.ok() && !*r;
      });
      auto removed = sched.remove_hosts({{"i-1", "node1", 1, 0}, {"i-2", "node2", 1, 0}});
      check("remove_hosts: both succeeded", removed.succeeded.size() == 2 && removed.failed.empty(),
            removed.messages.empty() ? "" : removed.messages.front());
      auto sel = dsge::run_client(runner, paths, *cell, "qconf", {"-sel"});
      check("no exec host left in SGE", sel.ok() && sel->out.find("node") == std::string::npos, sel.ok() ? sel->out : "");
      check("remove_exec_host node1", dsge::remove_exec_host(paths, "node1").ok());
      check("remove_exec_host node2", dsge::remove_exec_host(paths, "node2").ok());
      waitpid(execds[0], nullptr, 0);
    }
    auto cell_name = dsge::cell_name_for(paths);
    auto stopped = dsge::stop_cell(paths, progress);
    check("stop_cell", stopped.ok(), stopped.ok() ? "" : stopped.error().describe());
    for (int pid : execds) waitpid(pid, nullptr, WNOHANG);
    check("no namespace of the cell left", dsge::detail::netns_list_with_prefix(cell_name + "-").empty());
    check("no cell directory left", !std::filesystem::exists(std::string(dsge::kSgeRoot) + "/" + cell_name));
  }
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  std::cout << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count()
            << " s, " << failures << " failed\n";
  return failures ? 1 : 0;
}
