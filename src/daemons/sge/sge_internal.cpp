#include "daemons/sge/sge_internal.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemons/process.h"

namespace ebbflow::daemons::sge::detail {
namespace fs = std::filesystem;

Status run_ok(const std::vector<std::string>& argv, int timeout_ms) {
  SubprocessRunner runner;
  CommandSpec spec{argv, {}, std::chrono::milliseconds(timeout_ms), ""};
  auto r = run_checked(runner, spec);
  if (!r.ok()) return r.error();
  return {};
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool netns_exists(const std::string& name) { return fs::exists("/run/netns/" + name); }

std::vector<std::string> netns_list_with_prefix(const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netns", ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) == 0) out.push_back(n);
  }
  return out;
}

namespace {
std::vector<int> netns_pids(const std::string& name) {
  SubprocessRunner runner;
  auto r = runner.run(CommandSpec{{"/usr/sbin/ip", "netns", "pids", name}, {}, std::chrono::milliseconds(10000), ""});
  std::vector<int> pids;
  if (!r.ok() || r->exit_code != 0) return pids;
  std::istringstream in(r->out);
  int pid = 0;
  while (in >> pid)
    if (pid > 1 && pid != getpid()) pids.push_back(pid);
  return pids;
}

bool gone(int pid) {
  waitpid(pid, nullptr, WNOHANG);  // reaps it when it is our own child
  return !pid_alive(pid);
}
}  // namespace

Status destroy_netns(const std::string& name) {
  if (!netns_exists(name)) return {};
  for (int round = 0; round < 5; ++round) {
    auto pids = netns_pids(name);
    if (pids.empty()) break;
    for (int pid : pids) kill(pid, SIGKILL);
    wait_until(5000, [&] {
      for (int pid : pids)
        if (!gone(pid)) return false;
      return true;
    });
  }
  return run_ok({"/usr/sbin/ip", "netns", "delete", name});
}

bool comm_is(int pid, const std::string& comm) {
  if (!pid_alive(pid)) return false;
  std::string c = read_text("/proc/" + std::to_string(pid) + "/comm");
  while (!c.empty() && (c.back() == '\n' || c.back() == ' ')) c.pop_back();
  return c == comm;
}

void kill_by_pid_file(const std::string& pid_file, const std::string& comm, int timeout_ms) {
  auto pid = read_pid_file(pid_file);
  if (pid.ok() && comm_is(*pid, comm)) {
    kill(*pid, SIGKILL);
    wait_until(timeout_ms, [&] { return gone(*pid); });
  }
  std::error_code ec;
  fs::remove(pid_file, ec);
}

FileLock::FileLock(const std::string& path) {
  fd_ = open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);  // a directory
  if (fd_ >= 0 && flock(fd_, LOCK_EX) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock
}

Status hosts_append(const std::string& file, const std::string& ip, const std::string& hostname) {
  int fd = open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorKind::kGiveUp, "WriteFailed", "cannot open " + file);
  std::string line = ip + " " + hostname + "\n";
  bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  if (!ok) return make_error(ErrorKind::kGiveUp, "WriteFailed", "cannot append to " + file);
  return {};
}

Status hosts_blank(const std::string& file, const std::string& hostname) {
  std::string text = read_text(file);
  int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return {};  // no hosts file: nothing to blank
  size_t pos = 0;
  Status result;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::istringstream fields(text.substr(pos, end - pos));
    std::string ip, name;
    fields >> ip >> name;
    if (!ip.empty() && ip[0] != '#' && name == hostname) {
      std::string blank = "#" + std::string(end - pos - 1, ' ');
      if (pwrite(fd, blank.data(), blank.size(), static_cast<off_t>(pos)) != static_cast<ssize_t>(blank.size()))
        result = make_error(ErrorKind::kGiveUp, "WriteFailed", "cannot rewrite " + file);
    }
    pos = end + 1;
  }
  close(fd);
  return result;
}

}  // namespace ebbflow::daemons::sge::detail
