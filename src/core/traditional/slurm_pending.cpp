#include "core/traditional/slurm_pending.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdint>
#include <functional>

namespace ebbflow::core {

namespace {

std::string strip(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// A count squeue printed: a whole number from 0 to kMaxSqueueCount.
Result<int> parse_count(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::invalid_argument || p != s.data() + s.size())
    return make_error(ErrorKind::kInvalidInput, "SqueueParse", "\"" + s + "\" is not a number");
  if (ec == std::errc::result_out_of_range || v < 0 || v > kMaxSqueueCount)
    return make_error(ErrorKind::kInvalidInput, "SqueueParse",
                      "\"" + s + "\" is outside 0.." + std::to_string(kMaxSqueueCount) + " (no Slurm job counts that)");
  return static_cast<int>(v);
}

// In 64 bits: every operand is an int, so a + b - 1 cannot overflow.
int64_t ceil_div(int64_t a, int64_t b) { return b <= 0 ? 0 : (a + b - 1) / b; }

std::vector<std::string> split_fixed(std::string_view line) {
  std::vector<std::string> fields;
  for (size_t pos = 0; pos < line.size(); pos += kSqueueColumnWidth)
    fields.push_back(strip(line.substr(pos, kSqueueColumnWidth)));
  return fields;
}

int tres_get(const std::map<std::string, int>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

const char* squeue_format_argument() {
  return "jobid:200,statecompact:200,numnodes:200,numcpus:200,numtasks:200,cpus-per-task:200,mincpus:200,"
         "reason:200,tres-per-job:200,tres-per-task:200,tres-per-node:200,cpus-per-tres:200";
}

Result<std::map<std::string, int>> parse_tres(const std::string& text) {
  std::map<std::string, int> out;
  const std::string t = strip(text);
  if (t.empty() || t == "N/A" || t == "(null)") return out;
  size_t start = 0;
  while (start <= t.size()) {
    size_t comma = t.find(',', start);
    std::string item = strip(t.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? t.size() + 1 : comma + 1;
    if (item.empty()) continue;
    // Newer Slurm writes "gres:gpu:2" or "gres/gpu:2"; older "gpu:2"; typed "gpu:tesla:2".
    for (const char* prefix : {"gres:", "gres/"})
      if (item.rfind(prefix, 0) == 0) item = item.substr(5);
    std::vector<std::string> parts;
    size_t p = 0;
    while (true) {
      size_t c = item.find(':', p);
      parts.push_back(item.substr(p, c == std::string::npos ? std::string::npos : c - p));
      if (c == std::string::npos) break;
      p = c + 1;
    }
    int count = 1;  // "gpu" alone means one
    if (parts.size() > 1) {
      auto n = parse_count(parts.back());
      if (!n.ok())
        return make_error(ErrorKind::kInvalidInput, "SqueueParse",
                          "TRES \"" + text + "\", count of \"" + item + "\": " + n.error().message);
      count = *n;
    }
    int& total = out[parts.front()];
    if (static_cast<int64_t>(total) + count > kMaxSqueueCount)
      return make_error(ErrorKind::kInvalidInput, "SqueueParse",
                        "TRES \"" + text + "\": " + parts.front() + " adds up to more than " +
                            std::to_string(kMaxSqueueCount));
    total += count;
  }
  return out;
}

Result<std::vector<SqueueJob>> parse_squeue(const std::string& output) {
  std::vector<SqueueJob> jobs;
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < output.size()) {
    size_t nl = output.find('\n', pos);
    std::string line = output.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? output.size() : nl + 1;
    if (!strip(line).empty()) lines.push_back(std::move(line));
  }
  if (lines.empty()) return jobs;
  const std::vector<std::string> header = split_fixed(lines[0]);

  using Setter = std::function<Status(SqueueJob&, const std::string&)>;
  auto int_field = [](int SqueueJob::*member, bool na_is_one) -> Setter {
    return [member, na_is_one](SqueueJob& j, const std::string& v) -> Status {
      if (na_is_one && v == "N/A") {
        j.*member = 1;
        return {};
      }
      auto n = parse_count(v);
      if (!n.ok()) return n.error();
      j.*member = *n;
      return {};
    };
  };
  auto tres_field = [](std::map<std::string, int> SqueueJob::*member) -> Setter {
    return [member](SqueueJob& j, const std::string& v) -> Status {
      auto m = parse_tres(v);
      if (!m.ok()) return m.error();
      j.*member = std::move(*m);
      return {};
    };
  };
  const std::map<std::string, Setter> setters = {
      {"JOBID", [](SqueueJob& j, const std::string& v) -> Status { j.id = v; return {}; }},
      {"ST", [](SqueueJob& j, const std::string& v) -> Status { j.state = v; return {}; }},
      {"NODES", int_field(&SqueueJob::nodes, false)},
      {"CPUS", int_field(&SqueueJob::cpus_total, false)},
      {"TASKS", int_field(&SqueueJob::tasks, false)},
      {"CPUS_PER_TASK", int_field(&SqueueJob::cpus_per_task, true)},
      {"MIN_CPUS", int_field(&SqueueJob::cpus_min_per_node, false)},
      {"REASON", [](SqueueJob& j, const std::string& v) -> Status { j.pending_reason = v; return {}; }},
      {"TRES_PER_JOB", tres_field(&SqueueJob::tres_per_job)},
      {"TRES_PER_TASK", tres_field(&SqueueJob::tres_per_task)},
      {"TRES_PER_NODE", tres_field(&SqueueJob::tres_per_node)},
      {"CPUS_PER_TRES", tres_field(&SqueueJob::cpus_per_tres)},
  };

  for (size_t li = 1; li < lines.size(); ++li) {
    const std::vector<std::string> fields = split_fixed(lines[li]);
    SqueueJob job;
    for (size_t c = 0; c < header.size() && c < fields.size(); ++c) {
      auto it = setters.find(header[c]);
      if (it == setters.end()) continue;  // a column we do not use
      Status st = it->second(job, fields[c]);
      if (!st.ok())
        return make_error(ErrorKind::kInvalidInput, "SqueueParse",
                          "squeue line " + std::to_string(li + 1) + ", column " + header[c] + ": " + st.error().message);
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

const std::vector<std::string>& pending_resources_reasons() {
  static const std::vector<std::string> reasons = {
      "Resources",
      "Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions",
      "BeginTime",
      "NodeDown",
      "Priority",
      "ReqNodeNotAvail, May be reserved for other job",
  };
  return reasons;
}

int64_t job_gpus_total(const SqueueJob& job) {
  int64_t total = 0;
  if (!job.tres_per_node.empty()) total = int64_t{tres_get(job.tres_per_node, "gpu")} * job.nodes;
  else if (!job.tres_per_task.empty()) total = int64_t{tres_get(job.tres_per_task, "gpu")} * job.tasks;
  else if (!job.tres_per_job.empty()) total = tres_get(job.tres_per_job, "gpu");
  return std::max<int64_t>(total, 0);
}

namespace {

// A job whose nodes, CPUs or GPUs exceed an int can fit no cluster (a group's MaxSize times a
// node's slots is far below that): normalize_pending_jobs drops it, like a job bigger than a node.
bool fits_int(int64_t v) { return v <= INT_MAX; }

// More nodes than Slurm printed, when GPUs force it; CPUs grow with them. False when the job
// grows beyond fits_int.
bool raise_nodes(SqueueJob& job, int64_t new_min_nodes) {
  if (new_min_nodes <= job.nodes) return true;
  const int64_t cpus = std::max<int64_t>(job.cpus_total, new_min_nodes * job.cpus_min_per_node);
  if (!fits_int(new_min_nodes) || !fits_int(cpus)) return false;
  job.nodes = static_cast<int>(new_min_nodes);
  job.cpus_total = static_cast<int>(cpus);
  return true;
}

}  // namespace

std::vector<SqueueJob> normalize_pending_jobs(const std::vector<SqueueJob>& jobs, const SlurmPendingFilter& f) {
  std::vector<SqueueJob> out;
  const auto& reasons = pending_resources_reasons();
  for (SqueueJob job : jobs) {
    if (job.state != "PD") continue;
    // Defensive floors: the original divided by these (a missing column left them 0).
    job.nodes = std::max(job.nodes, 1);
    job.cpus_min_per_node = std::max(job.cpus_min_per_node, 1);
    // Step 1: CPUs per GPU, then the nodes needed by tasks of cpus_min_per_node CPUs. Counts
    // are ints and products are taken in 64 bits (parse_squeue bounds what it reads, but these
    // jobs may come from elsewhere).
    if (auto it = job.cpus_per_tres.find("gpu"); it != job.cpus_per_tres.end()) {
      const int64_t gpus = job_gpus_total(job);
      if (!fits_int(gpus)) continue;
      const int64_t cpus = std::max<int64_t>(job.cpus_total, int64_t{it->second} * gpus);
      if (!fits_int(cpus)) continue;
      job.cpus_total = static_cast<int>(cpus);
    }
    if (f.node_slots >= job.cpus_min_per_node) {
      const int usable = f.node_slots - (f.node_slots % job.cpus_min_per_node);
      // cpus_total / usable <= cpus_total: an int.
      job.nodes = std::max(job.nodes, static_cast<int>(ceil_div(job.cpus_total, usable)));
    }
    // Step 2: nodes implied by GPU requests (--gpus, --gpus-per-task).
    if (f.node_gpus > 0) {
      if (int g = tres_get(job.tres_per_job, "gpu"); g > 0 && !raise_nodes(job, ceil_div(g, f.node_gpus))) continue;
      if (int g = tres_get(job.tres_per_task, "gpu"); g > 0) {
        const int tasks_per_node = f.node_gpus / g;
        if (tasks_per_node > 0 && !raise_nodes(job, ceil_div(job.tasks, tasks_per_node))) continue;
      }
    }
    // Step 4: filters.
    const int64_t gpus_total = job_gpus_total(job);
    if (!fits_int(gpus_total)) continue;
    const int64_t slots_per_node = std::max<int64_t>(job.cpus_min_per_node, ceil_div(job.cpus_total, job.nodes));
    const int64_t gpus_per_node = ceil_div(gpus_total, job.nodes);
    if (slots_per_node > f.node_slots || gpus_per_node > f.node_gpus) continue;  // never fits one node
    if (f.max_nodes && job.nodes > *f.max_nodes) continue;                       // bigger than the group
    if (f.filter_by_reasons && std::find(reasons.begin(), reasons.end(), job.pending_reason) == reasons.end())
      continue;  // held, dependency, licenses...: more nodes do not help
    out.push_back(std::move(job));
  }
  return out;
}

std::vector<NodeRequest> slurm_node_requests(const std::vector<SqueueJob>& pending) {
  std::vector<NodeRequest> out;
  out.reserve(pending.size());
  for (const auto& job : pending)
    out.push_back(NodeRequest{
        job.nodes, {{"slots", job.cpus_total}, {"gpus", static_cast<int>(std::min<int64_t>(job_gpus_total(job), INT_MAX))}}});
  return out;
}

int slurm_required_nodes(const std::vector<SqueueJob>& jobs, const SlurmPendingFilter& filter) {
  return optimal_node_count(slurm_node_requests(normalize_pending_jobs(jobs, filter)),
                            {{"slots", filter.node_slots}, {"gpus", filter.node_gpus}});
}

}  // namespace ebbflow::core
