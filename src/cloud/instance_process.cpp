#include "cloud/instance_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace ebbflow::cloud {

Result<int> spawn_instance(const SpawnSpec& spec) {
  // Build argv/envp before fork (no allocation in the child).
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string bash = "/bin/bash";
  std::string script = spec.script_path;
  char* argv[] = {bash.data(), script.data(), nullptr};
  const char* console = spec.console_path.c_str();
  const char* dir = spec.working_dir.c_str();

  pid_t pid = fork();
  if (pid < 0) {
    return make_error(ErrorKind::kGiveUp, "SpawnFailed", std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    setsid();
    int in = open("/dev/null", O_RDONLY);
    int out = open(console, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    // The server's sockets and database must not leak into the instance.
    close_range(3, ~0U, 0);
    // Dispositions set to "ignore" survive exec; restore defaults and unblock everything.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (chdir(dir) != 0) _exit(126);
    execve(argv[0], argv, envp.data());
    _exit(127);
  }
  return static_cast<int>(pid);
}

bool group_alive(int pgid) { return pgid > 0 && (kill(-pgid, 0) == 0 || errno == EPERM); }

bool process_alive(int pid) {
  if (pid <= 0) return false;
  if (kill(pid, 0) != 0 && errno != EPERM) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto paren = content.rfind(')');
  if (paren == std::string::npos || paren + 2 >= content.size()) return true;
  return content[paren + 2] != 'Z';
}

void signal_group(int pgid, int sig) {
  if (pgid > 1) kill(-pgid, sig);
}

std::optional<int> reap_child(int pid, bool* not_child) {
  *not_child = pid <= 0;  // waitpid(0 or -1) would reap someone else's child
  if (*not_child) return std::nullopt;
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == pid) return status;
  if (r < 0 && errno == ECHILD) *not_child = true;
  return std::nullopt;
}

}  // namespace ebbflow::cloud
