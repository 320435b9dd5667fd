// SlurmClient: runs scontrol/squeue through a CommandRunner and maps failures to ErrorKinds.
//
// Failure policy: a read that cannot complete (timeout, spawn failure, non-zero exit, unreachable
// slurmctld) is kUnavailable, so callers treat the cluster state as unknown, never as "every node
// is gone". An update rejected by slurmctld for a reason other than reachability is
// kInvalidInput (the names or state were wrong; repeating it will not help).
#include <algorithm>
#include <chrono>

#include "core/hostlist.h"
#include "scheduler/slurm/slurm_client.h"

namespace ebbflow::slurm {
namespace {

constexpr std::chrono::milliseconds kInfoTimeout{30000};
constexpr std::chrono::milliseconds kUpdateTimeout{60000};

bool controller_unreachable(const CommandOutput& out) {
  for (const std::string* s : {&out.err, &out.out}) {
    if (s->find("Unable to contact slurm controller") != std::string::npos) return true;
    if (s->find("Socket timed out") != std::string::npos) return true;
  }
  return false;
}

std::string first_line(const std::string& s) {
  size_t start = s.find_first_not_of(" \n");
  if (start == std::string::npos) return {};
  size_t nl = s.find('\n', start);
  return s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
}

std::string join(const std::vector<std::string>& v, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    if (i > from) out += ',';
    out += v[i];
  }
  return out;
}

// A node name, address or hostname that goes into a comma-separated scontrol list: besides the
// generic checks, ',' '[' ']' would change how scontrol splits or expands the list.
Status validate_list_item(const std::string& v) {
  if (v.find_first_of(",[]") != std::string::npos) {
    return make_error(ErrorKind::kInvalidInput, "InvalidSlurmArgument",
                      "refusing to pass \"" + v + "\" to scontrol: contains ',' or brackets");
  }
  return validate_slurm_argument(v, false);
}

}  // namespace

SlurmClient::SlurmClient(CommandRunner& runner, SlurmPaths paths) : runner_(runner), paths_(std::move(paths)) {}

CommandSpec SlurmClient::spec(std::vector<std::string> argv) const {
  CommandSpec s;
  s.argv = std::move(argv);
  if (!s.argv.empty() && s.argv[0].find('/') == std::string::npos && !paths_.bin_dir.empty()) {
    s.argv[0] = paths_.bin_dir + "/" + s.argv[0];
  }
  s.env["TZ"] = "UTC";  // timestamps in scontrol output are then UTC (parse_scontrol_nodes)
  if (!paths_.slurm_conf.empty()) s.env["SLURM_CONF"] = paths_.slurm_conf;
  s.timeout = kInfoTimeout;
  return s;
}

// Runs a command and returns its stdout when it exited 0. Every failure is kUnavailable for
// reads; for updates (`is_update`) a refusal by a reachable slurmctld is kInvalidInput.
Result<std::string> SlurmClient::run(const CommandSpec& s, bool is_update) {
  ++commands_run_;
  auto result = runner_.run(s);
  const std::string what = describe_argv(s.argv);
  if (!result.ok()) {
    return make_error(ErrorKind::kUnavailable, result.error().code,
                      what + ": " + result.error().message);
  }
  const CommandOutput& out = *result;
  if (out.exit_code == 0) return out.out;
  std::string detail = first_line(out.err.empty() ? out.out : out.err);
  std::string message = what + " exited " + std::to_string(out.exit_code) + ": " + detail;
  if (controller_unreachable(out)) return make_error(ErrorKind::kUnavailable, "SlurmctldUnreachable", message);
  if (is_update) return make_error(ErrorKind::kInvalidInput, "ScontrolRejected", message);
  if (detail.find(" not found") != std::string::npos) return make_error(ErrorKind::kNotFound, "NotFound", message);
  return make_error(ErrorKind::kUnavailable, "CommandFailed", message);
}

Result<std::vector<core::SlurmNode>> SlurmClient::show_nodes() {
  auto out = run(spec({"scontrol", "show", "nodes"}), false);
  if (!out.ok()) return out.error();
  return parse_scontrol_nodes(*out);
}

Result<std::vector<core::SlurmNode>> SlurmClient::show_nodes(const std::vector<std::string>& names) {
  if (names.empty()) return std::vector<core::SlurmNode>{};
  for (const auto& n : names) {
    Status st = validate_list_item(n);
    if (!st.ok()) return st.error();
  }
  auto out = run(spec({"scontrol", "show", "nodes", core::compress_hostlist(names)}), false);
  if (!out.ok()) return out.error();
  return parse_scontrol_nodes(*out);
}

Result<std::vector<PartitionInfo>> SlurmClient::show_partitions() {
  auto out = run(spec({"scontrol", "show", "partitions", "--oneliner"}), false);
  if (!out.ok()) return out.error();
  return parse_scontrol_partitions(*out);
}

Status SlurmClient::update_nodes(const NodeUpdate& update, size_t batch_size) {
  const auto& names = update.names;
  if (names.empty()) return {};
  if (batch_size == 0) batch_size = 100;
  if (!update.addrs.empty() && update.addrs.size() != names.size()) {
    return make_error(ErrorKind::kInvalidInput, "InvalidNodeUpdate",
                      std::to_string(update.addrs.size()) + " addresses for " + std::to_string(names.size()) +
                          " nodes");
  }
  if (!update.hostnames.empty() && update.hostnames.size() != names.size()) {
    return make_error(ErrorKind::kInvalidInput, "InvalidNodeUpdate",
                      std::to_string(update.hostnames.size()) + " hostnames for " +
                          std::to_string(names.size()) + " nodes");
  }
  for (const auto* list : {&names, &update.addrs, &update.hostnames}) {
    for (const auto& v : *list) {
      Status st = validate_list_item(v);
      if (!st.ok()) return st;
    }
  }
  if (update.state) {
    Status st = validate_slurm_argument(*update.state, false);
    if (!st.ok()) return st;
  }
  if (update.reason) {
    Status st = validate_slurm_argument(*update.reason, true);
    if (!st.ok()) return st;
  }
  // With addresses, scontrol pairs the i-th name with the i-th address, so the names must stay
  // in the caller's order: a plain comma list. Without, a compressed hostlist is shorter.
  const bool keep_order = !update.addrs.empty() || !update.hostnames.empty();
  Status first_error;
  for (size_t from = 0; from < names.size(); from += batch_size) {
    size_t to = std::min(names.size(), from + batch_size);
    std::vector<std::string> argv{"scontrol", "update"};
    if (keep_order) {
      argv.push_back("nodename=" + join(names, from, to));
    } else {
      argv.push_back("nodename=" + core::compress_hostlist({names.begin() + from, names.begin() + to}));
    }
    if (update.state) argv.push_back("state=" + *update.state);
    if (update.reason) argv.push_back("reason=" + *update.reason);
    if (!update.addrs.empty()) argv.push_back("nodeaddr=" + join(update.addrs, from, to));
    if (!update.hostnames.empty()) argv.push_back("nodehostname=" + join(update.hostnames, from, to));
    CommandSpec s = spec(std::move(argv));
    s.timeout = kUpdateTimeout;
    auto out = run(s, true);
    if (!out.ok() && first_error.ok()) first_error = out.error();
  }
  return first_error;
}

Status SlurmClient::set_partition_state(const std::string& partition, const std::string& state) {
  for (const auto* v : {&partition, &state}) {
    Status st = validate_slurm_argument(*v, false);
    if (!st.ok()) return st;
  }
  CommandSpec s = spec({"scontrol", "update", "partitionname=" + partition, "state=" + state});
  s.timeout = kUpdateTimeout;
  auto out = run(s, true);
  if (!out.ok()) return out.error();
  return {};
}

Result<std::string> SlurmClient::squeue_raw(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"squeue"};
  for (const auto& a : args) {
    Status st = validate_slurm_argument(a, true);
    if (!st.ok()) return st.error();
    argv.push_back(a);
  }
  return run(spec(std::move(argv)), false);
}

}  // namespace ebbflow::slurm
