#include "cloud/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cloud/instance_process.h"
#include "cloud/state_files.h"

namespace ebbflow::cloud {

namespace fs = std::filesystem;

Status prepare_start(ServeOptions& options) {
  if (options.state_dir.empty()) {
    return make_error(ErrorKind::kInvalidInput, "MissingStateDir", "--state-dir is required");
  }
  options.state_dir = fs::absolute(options.state_dir).lexically_normal().string();
  if (auto pid = read_pid(options.state_dir); pid.ok() && process_alive(*pid)) {
    return make_error(ErrorKind::kGiveUp, "AlreadyRunning",
                      "a local cloud already runs on " + options.state_dir + " (pid " + std::to_string(*pid) + ")");
  }
  std::error_code ec;
  std::ifstream last(fs::path(options.state_dir) / "last-endpoint");
  std::string old;
  if (options.port == 0 && std::getline(last, old) && old.rfind(':') != std::string::npos) {
    try {
      options.preferred_port = std::stoi(old.substr(old.rfind(':') + 1));
    } catch (...) {
      options.preferred_port = 0;
    }
  }
  fs::remove(fs::path(options.state_dir) / "endpoint", ec);  // stale: waiters must see the new one
  return {};
}

Result<std::string> serve_in_background(const ServeOptions& options) {
  std::error_code ec;
  fs::create_directories(options.state_dir, ec);
  int fds[2];
  if (pipe(fds) != 0) return make_error(ErrorKind::kGiveUp, "SpawnFailed", "pipe() failed");
  pid_t child = fork();
  if (child < 0) return make_error(ErrorKind::kGiveUp, "SpawnFailed", "fork() failed");
  if (child == 0) {
    close(fds[0]);
    setsid();
    if (fork() != 0) _exit(0);  // the grandchild can never reacquire a terminal
    if (chdir("/") != 0) _exit(1);
    int null_fd = open("/dev/null", O_RDWR);
    int out = open((fs::path(options.state_dir) / "cloud.out").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(null_fd, 0);
    dup2(out >= 0 ? out : null_fd, 1);
    dup2(out >= 0 ? out : null_fd, 2);
    int report = fds[1];
    auto status = serve(options, [&report](const std::string& endpoint) {
      std::string line = "ok " + endpoint + "\n";
      (void)!write(report, line.data(), line.size());
      close(report);
      report = -1;
    });
    if (!status.ok() && report >= 0) {
      std::string line = "error " + status.error().describe() + "\n";
      (void)!write(report, line.data(), line.size());
    }
    _exit(status.ok() ? 0 : 1);
  }
  close(fds[1]);
  int wstatus = 0;
  waitpid(child, &wstatus, 0);
  std::string reply;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) reply.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  while (!reply.empty() && reply.back() == '\n') reply.pop_back();
  if (reply.rfind("ok ", 0) == 0) return reply.substr(3);
  if (reply.rfind("error ", 0) == 0) return make_error(ErrorKind::kGiveUp, "StartFailed", reply.substr(6));
  return make_error(ErrorKind::kGiveUp, "StartFailed",
                    "the server exited before it was ready; see " + options.state_dir + "/cloud.out");
}

Status stop_server(const std::string& state_dir, int timeout_s) {
  auto pid = read_pid(state_dir);
  if (!pid.ok() || !process_alive(*pid)) {
    return make_error(ErrorKind::kNotFound, "NotRunning", "no local cloud is running on " + state_dir);
  }
  kill(*pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (process_alive(*pid)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return make_error(ErrorKind::kUnavailable, "Timeout",
                        "the local cloud (pid " + std::to_string(*pid) + ") did not stop within " +
                            std::to_string(timeout_s) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

}  // namespace ebbflow::cloud
