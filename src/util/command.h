// Running external programs (scontrol, sinfo, munged, ...) without a shell.
//
// Every command is an argv vector; nothing is ever interpreted by /bin/sh, so a node name or a
// reason string can never inject a command. CommandRunner is the narrow port the adapters use,
// so tests can substitute a fake that returns recorded outputs.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "util/result.h"

namespace ebbflow {

struct CommandOutput {
  int exit_code = 0;   // exit status, or 128+signal when killed by a signal
  std::string out;     // standard output
  std::string err;     // standard error
};

struct CommandSpec {
  std::vector<std::string> argv;               // argv[0] is an absolute path or a name found in PATH
  std::map<std::string, std::string> env;      // added to (or overriding) the inherited environment
  std::chrono::milliseconds timeout{30000};    // the process group is killed after this
  std::string stdin_data;                      // written to the child's standard input
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs the command to completion. Failure modes: kUnavailable ("Timeout") when the timeout
  // expired (the child's process group was killed), kGiveUp ("SpawnFailed") when it could not be
  // started. A non-zero exit status is NOT an error here: it is returned in CommandOutput.
  virtual Result<CommandOutput> run(const CommandSpec& spec) = 0;
};

// Runs commands as real child processes (fork/exec, own process group, pipes, poll).
class SubprocessRunner : public CommandRunner {
 public:
  Result<CommandOutput> run(const CommandSpec& spec) override;
};

// Convenience: run and require exit 0; otherwise an Error naming the command and its stderr.
Result<std::string> run_checked(CommandRunner& runner, const CommandSpec& spec);

// "prog arg1 'arg two'" for logs and error messages (never executed).
std::string describe_argv(const std::vector<std::string>& argv);

}  // namespace ebbflow
