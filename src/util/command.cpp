#include "util/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace ebbflow {
namespace {

std::string quote(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t\n'\"\\$`|&;<>()*?[]{}!#~") == std::string::npos) return s;
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

// Builds the child's environment: the parent's, with spec.env added or overriding.
std::vector<std::string> build_env(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    std::string key = entry.substr(0, eq);
    if (extra.count(key)) continue;
    env.push_back(std::move(entry));
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

}  // namespace

std::string describe_argv(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += quote(a);
  }
  return s;
}

Result<CommandOutput> SubprocessRunner::run(const CommandSpec& spec) {
  if (spec.argv.empty()) return make_error(ErrorKind::kInternal, "SpawnFailed", "empty argv");
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) || pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC))
    return make_error(ErrorKind::kGiveUp, "SpawnFailed", std::string("pipe: ") + strerror(errno));

  std::vector<std::string> env_strings = build_env(spec.env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argvp;
  for (auto& a : args) argvp.push_back(a.data());
  argvp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return make_error(ErrorKind::kGiveUp, "SpawnFailed", std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    signal(SIGPIPE, SIG_DFL);
    // execvpe searches PATH (from the parent's environment) for bare names.
    execvpe(argvp[0], argvp.data(), envp.data());
    dprintf(2, "exec %s: %s", argvp[0], strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);

  // Feed stdin (non-blocking) while reading stdout/stderr, until both close or the deadline.
  int in_fd = in_pipe[1];
  size_t in_off = 0;
  if (spec.stdin_data.empty()) {
    close(in_fd);
    in_fd = -1;
  } else {
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  CommandOutput result;
  int fds[2] = {out_pipe[0], err_pipe[0]};
  std::string* sinks[2] = {&result.out, &result.err};
  bool open_fd[2] = {true, true};
  auto deadline = std::chrono::steady_clock::now() + spec.timeout;
  bool timed_out = false;
  char buf[65536];
  while (open_fd[0] || open_fd[1]) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p[3];
    int n = 0;
    int map[3];
    for (int i = 0; i < 2; ++i)
      if (open_fd[i]) { p[n] = {fds[i], POLLIN, 0}; map[n++] = i; }
    if (in_fd >= 0) { p[n] = {in_fd, POLLOUT, 0}; map[n++] = 2; }
    int r = poll(p, n, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno != EINTR) break;
    for (int k = 0; k < n && r > 0; ++k) {
      if (!p[k].revents) continue;
      if (map[k] == 2) {
        ssize_t w = write(in_fd, spec.stdin_data.data() + in_off, spec.stdin_data.size() - in_off);
        if (w > 0) in_off += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN) in_off = spec.stdin_data.size();
        if (in_off >= spec.stdin_data.size()) { close(in_fd); in_fd = -1; }
        continue;
      }
      ssize_t got = read(p[k].fd, buf, sizeof buf);
      if (got > 0) sinks[map[k]]->append(buf, static_cast<size_t>(got));
      else if (got == 0 || (errno != EINTR && errno != EAGAIN)) open_fd[map[k]] = false;
    }
  }
  if (in_fd >= 0) close(in_fd);
  close(out_pipe[0]);
  close(err_pipe[0]);
  if (timed_out) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (timed_out)
    return make_error(ErrorKind::kUnavailable, "Timeout",
                      describe_argv(spec.argv) + " did not finish within " +
                          std::to_string(spec.timeout.count()) + " ms");
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (result.exit_code == 127 && result.err.rfind("exec ", 0) == 0)
    return make_error(ErrorKind::kGiveUp, "SpawnFailed", result.err);
  return result;
}

Result<std::string> run_checked(CommandRunner& runner, const CommandSpec& spec) {
  auto r = runner.run(spec);
  if (!r.ok()) return r.error();
  if (r->exit_code != 0) {
    std::string err = r->err.empty() ? r->out : r->err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return make_error(ErrorKind::kRetry, "CommandFailed",
                      describe_argv(spec.argv) + " exited " + std::to_string(r->exit_code) + ": " + err);
  }
  return std::move(r->out);
}

}  // namespace ebbflow
