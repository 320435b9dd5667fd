#include "daemons/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "daemons/cluster_context.h"

namespace ebbflow::daemons {

Result<int> spawn_detached(const std::vector<std::string>& argv, const std::string& log_file,
                           const std::string& pid_file) {
  if (argv.empty()) return make_error(ErrorKind::kInternal, "SpawnFailed", "empty argv");
  pid_t pid = fork();
  if (pid < 0) return make_error(ErrorKind::kGiveUp, "SpawnFailed", "fork failed");
  if (pid == 0) {
    setsid();
    int in = open("/dev/null", O_RDONLY);
    int out = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
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
  auto st = write_file_atomic(pid_file, std::to_string(pid) + "\n", 0644);
  if (!st.ok()) return st.error();
  return static_cast<int>(pid);
}

Result<int> read_pid_file(const std::string& pid_file) {
  std::ifstream in(pid_file);
  int pid = 0;
  if (!(in >> pid) || pid <= 1) return make_error(ErrorKind::kNotFound, "NoPidFile", pid_file);
  return pid;
}

bool pid_alive(int pid, const std::string& expect) {
  if (pid <= 1 || kill(pid, 0) != 0) return false;
  // A zombie (our own exited child) is not alive.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto close_paren = line.rfind(')');
  if (close_paren != std::string::npos && close_paren + 2 < line.size() && line[close_paren + 2] == 'Z') return false;
  if (expect.empty()) return true;
  std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
  return cmdline.find(expect) != std::string::npos;
}

bool wait_until(int timeout_ms, const std::function<bool()>& ready) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return ready();
}

Status stop_by_pid_file(const std::string& pid_file, const std::string& expect, int timeout_ms) {
  auto pid = read_pid_file(pid_file);
  if (!pid.ok()) return {};
  if (pid_alive(*pid, expect)) {
    kill(*pid, SIGTERM);
    if (!wait_until(timeout_ms, [&] {
          waitpid(*pid, nullptr, WNOHANG);
          return !pid_alive(*pid, expect);
        })) {
      kill(*pid, SIGKILL);
      wait_until(2000, [&] {
        waitpid(*pid, nullptr, WNOHANG);
        return !pid_alive(*pid, expect);
      });
    }
  }
  unlink(pid_file.c_str());
  return {};
}

}  // namespace ebbflow::daemons
