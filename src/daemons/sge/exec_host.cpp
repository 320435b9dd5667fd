#include "daemons/sge/exec_host.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "daemons/process.h"
#include "daemons/sge/sge_internal.h"

namespace ebbflow::daemons::sge {
namespace fs = std::filesystem;

namespace {

std::string record_path(const ClusterPaths& p, const std::string& hostname) {
  return sge_dir(p) + "/hosts.d/" + hostname + ".json";
}
std::string execd_pid_file(const ClusterPaths& p, const std::string& hostname) {
  return p.run_dir() + "/sge_execd-" + hostname + ".pid";
}
std::string lock_path(const ClusterPaths& p) { return sge_dir(p) + "/lock"; }

std::string ip_for(int octet, int index) {
  return "10." + std::to_string(octet) + "." + std::to_string(index / 256) + "." + std::to_string(index % 256);
}

Status save_record(const ClusterPaths& p, const ExecHost& h) {
  nlohmann::json j = {{"hostname", h.hostname}, {"ip", h.ip}, {"netns", h.netns}, {"veth", h.veth}, {"index", h.index}};
  return write_file_atomic(record_path(p, h.hostname), j.dump(2) + "\n");
}

Status ip_in(const std::string& netns, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/sbin/ip", "-n", netns};
  argv.insert(argv.end(), args.begin(), args.end());
  return detail::run_ok(argv);
}

}  // namespace

bool valid_exec_hostname(const std::string& hostname) {
  static const std::regex re("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$");
  return std::regex_match(hostname, re) && hostname != kMasterHostname && hostname != "localhost";
}

Result<ExecHost> load_exec_host(const ClusterPaths& p, const std::string& hostname) {
  if (!valid_exec_hostname(hostname))
    return make_error(ErrorKind::kInvalidInput, "BadHostname", "'" + hostname + "' is not a valid exec host name");
  std::string path = record_path(p, hostname);
  if (!fs::exists(path)) return make_error(ErrorKind::kNotFound, "NoSuchHost", "exec host " + hostname + " is not prepared");
  auto j = nlohmann::json::parse(detail::read_text(path), nullptr, false);
  if (j.is_discarded()) return make_error(ErrorKind::kInvalidInput, "BadHostRecord", path + " is not valid JSON");
  ExecHost h;
  h.hostname = j.value("hostname", hostname);
  h.ip = j.value("ip", "");
  h.netns = j.value("netns", "");
  h.veth = j.value("veth", "");
  h.index = j.value("index", 0);
  return h;
}

std::vector<std::string> list_exec_hosts(const ClusterPaths& p) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(sge_dir(p) + "/hosts.d", ec))
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

Result<ExecHost> prepare_exec_host(const ClusterPaths& p, const std::string& hostname) {
  if (!valid_exec_hostname(hostname))
    return make_error(ErrorKind::kInvalidInput, "BadHostname", "'" + hostname + "' is not a valid exec host name");
  detail::FileLock lock(lock_path(p));  // several instances boot at once: one IP each
  auto cell = load_cell(p);
  if (!cell.ok()) return cell.error();
  if (auto existing = load_exec_host(p, hostname); existing.ok() && detail::netns_exists(existing->netns)) return *existing;
  if (fs::exists(record_path(p, hostname))) {
    // A half-prepared host (record without namespace): start it over with a new address.
    (void)detail::hosts_blank(hosts_file(p), hostname);
    fs::remove(record_path(p, hostname));
  }
  if (cell->next_host_index > 65534)
    return make_error(ErrorKind::kBackOff, "SubnetExhausted", "no address left in " + cell->subnet());
  ExecHost h;
  h.hostname = hostname;
  h.index = cell->next_host_index++;
  h.ip = ip_for(cell->subnet_octet, h.index);
  h.netns = cell->cell + "-" + hostname;
  h.veth = "vh" + std::to_string(h.index);
  // The counter moves first: an address is never handed out twice, even after a crash here.
  if (auto st = save_cell(p, *cell); !st.ok()) return st.error();
  if (detail::netns_exists(h.netns)) (void)detail::destroy_netns(h.netns);
  if (auto st = detail::run_ok({"/usr/sbin/ip", "netns", "add", h.netns}); !st.ok()) return st.error();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"link", "set", "lo", "up"},
           {"link", "add", "eth0", "type", "veth", "peer", "name", h.veth, "netns", cell->master_netns},
           {"addr", "add", h.ip + "/16", "dev", "eth0"},
           {"link", "set", "eth0", "up"}})
    if (auto st = ip_in(h.netns, args); !st.ok()) return st.error();
  for (const auto& args : std::vector<std::vector<std::string>>{{"link", "set", h.veth, "master", "br0"},
                                                                {"link", "set", h.veth, "up"}})
    if (auto st = ip_in(cell->master_netns, args); !st.ok()) return st.error();
  if (auto st = detail::hosts_append(hosts_file(p), h.ip, hostname); !st.ok()) return st.error();
  if (auto st = save_record(p, h); !st.ok()) return st.error();
  return h;
}

Status wait_until_admin_host(const ClusterPaths& p, const std::string& hostname, std::chrono::milliseconds timeout,
                             std::chrono::milliseconds poll) {
  auto cell = load_cell(p);
  if (!cell.ok()) return cell.error();
  SubprocessRunner runner;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto r = run_client(runner, p, *cell, "qconf", {"-sh"}, std::chrono::milliseconds(10000));
    if (r.ok() && r->exit_code == 0) {
      std::istringstream in(r->out);
      std::string line;
      while (in >> line)
        if (line == hostname) return {};
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(poll);
  }
  return make_error(ErrorKind::kUnavailable, "Timeout", hostname + " did not become an SGE admin host in time");
}

Result<int> start_execd(const ClusterPaths& p, const ExecHost& host) {
  auto cell = load_cell(p);
  if (!cell.ok()) return cell.error();
  std::vector<std::string> argv = {"/usr/bin/env", "SGE_ND=1"};
  for (const auto& [k, v] : sge_env(*cell)) argv.push_back(k + "=" + v);
  auto ns = in_namespace(host.netns, hosts_file(p), host.hostname, {std::string(kSgeBinDir) + "/sge_execd"});
  argv.insert(argv.end(), ns.begin(), ns.end());
  std::string log = p.log_dir() + "/sge_execd-" + host.hostname + ".out";
  pid_t pid = fork();
  if (pid < 0) return make_error(ErrorKind::kGiveUp, "SpawnFailed", "fork failed");
  if (pid == 0) {  // stays in the caller's process group: it dies with the instance
    int in = open("/dev/null", O_RDONLY);
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    for (int fd = 3; fd < 1024; ++fd) close(fd);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  if (auto st = write_file_atomic(execd_pid_file(p, host.hostname), std::to_string(pid) + "\n"); !st.ok()) return st.error();
  return static_cast<int>(pid);
}

Status run_execd(const ClusterPaths& p, const ExecHost& host) {
  auto pid = start_execd(p, host);
  if (!pid.ok()) return pid.error();
  int status = 0;
  while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL)) return {};
  return make_error(ErrorKind::kGiveUp, "ExecdFailed",
                    "sge_execd on " + host.hostname + " exited with status " +
                        std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) + "; see " +
                        p.log_dir() + "/sge_execd-" + host.hostname + ".out");
}

Status remove_exec_host(const ClusterPaths& p, const std::string& hostname) {
  if (!valid_exec_hostname(hostname))
    return make_error(ErrorKind::kInvalidInput, "BadHostname", "'" + hostname + "' is not a valid exec host name");
  detail::FileLock lock(lock_path(p));
  detail::kill_by_pid_file(execd_pid_file(p, hostname), "sge_execd");
  auto cell = load_cell(p);
  std::string netns;
  if (auto h = load_exec_host(p, hostname); h.ok()) netns = h->netns;
  else if (cell.ok()) netns = cell->cell + "-" + hostname;
  Status st;
  if (!netns.empty()) st = detail::destroy_netns(netns);  // execd, shepherds, jobs; the veth pair goes with it
  if (auto b = detail::hosts_blank(hosts_file(p), hostname); !b.ok() && st.ok()) st = b;
  std::error_code ec;
  fs::remove(record_path(p, hostname), ec);
  fs::remove_all(sge_dir(p) + "/execd/" + hostname, ec);  // its spool: a re-added host starts clean
  return st;
}

}  // namespace ebbflow::daemons::sge
