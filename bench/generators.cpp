// The cluster layout and the Slurm side of the generated inputs (see generators.h).
#include "bench/generators.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>

#include "bench/gen_util.h"
#include "core/hostlist.h"

namespace ebbflow::bench {
namespace {

// The anchor's layout: shares in permille of all nodes.
struct ResourceShare {
  const char* queue;
  const char* cr;
  const char* type;
  bool is_static;
  int permille;
  int cpus;
  int memory_mb;
};
constexpr ResourceShare kShares[] = {
    {"q1", "c5xlarge", "c5.xlarge", true, 100, 4, 7600},
    {"q1", "c5xlarge", "c5.xlarge", false, 300, 4, 7600},
    {"q2", "m5xlarge", "m5.xlarge", false, 250, 4, 15000},
    {"q2", "r5xlarge", "r5.xlarge", false, 100, 4, 30000},
    {"q3", "c5n18xlarge", "c5n.18xlarge", true, 50, 72, 190000},
    {"q3", "c5n18xlarge", "c5n.18xlarge", false, 150, 72, 190000},
    {"q4", "p4d24xlarge", "p4d.24xlarge", false, 50, 96, 1100000},
};

// What a node is doing, drawn from a hash of its index (shares in 1/10,000).
enum class Kind {
  kAllocated, kMixed, kPowerSaved, kIdleUp, kCompleting, kPoweringUp, kPoweringDownAddr, kPoweringDownReset,
  kDownNotResponding, kIdleDrain, kMixedDrain, kMissingInstance, kTail
};
Kind kind_of(uint64_t u) {
  static constexpr std::pair<int, Kind> kBuckets[] = {
      {4500, Kind::kAllocated},        {7000, Kind::kMixed},          {9000, Kind::kPowerSaved},
      {9300, Kind::kIdleUp},           {9500, Kind::kCompleting},     {9600, Kind::kPoweringUp},
      {9700, Kind::kPoweringDownAddr}, {9750, Kind::kPoweringDownReset}, {9850, Kind::kDownNotResponding},
      {9900, Kind::kIdleDrain},        {9950, Kind::kMixedDrain},     {9980, Kind::kMissingInstance},
  };
  for (const auto& [limit, kind] : kBuckets)
    if (static_cast<int>(u) < limit) return kind;
  return Kind::kTail;
}

std::string with_stamp(const std::string& text, const char* user, int64_t when) {
  return text + " [" + user + "@" + slurm_time(when) + "]";
}

GeneratedNode make_node(size_t k, const ResourceSpec& r, size_t cr_index, size_t number) {
  GeneratedNode n;
  n.name = r.queue + (r.is_static ? "-st-" : "-dy-") + r.cr + "-" + std::to_string(number);
  n.cr = cr_index;
  const uint64_t h = mix(k, 1);
  Kind kind = kind_of(h % 10000);
  if (r.is_static) {
    // Static nodes are never power-saved by Slurm: those shares are busy or idle instead.
    if (kind == Kind::kPowerSaved) kind = (h >> 20) % 4 == 0 ? Kind::kIdleUp : Kind::kAllocated;
    if (kind == Kind::kPoweringDownAddr || kind == Kind::kPoweringDownReset) kind = Kind::kIdleUp;
  }
  n.launch_time = kNow - 3600 - static_cast<int64_t>((h >> 24) % 172800);
  auto bind = [&](bool instance) {
    n.addr = node_ip(k);
    n.has_instance = instance;
    n.registered = true;
  };
  n.addr = n.name;
  const bool odd = (h >> 40) & 1;
  switch (kind) {
    case Kind::kAllocated: n.state = "ALLOCATED+CLOUD"; bind(true); break;
    case Kind::kMixed: n.state = "MIXED+CLOUD"; bind(true); break;
    case Kind::kPowerSaved: n.state = "IDLE+CLOUD+POWERED_DOWN"; break;
    case Kind::kIdleUp: n.state = "IDLE+CLOUD"; bind(true); break;
    case Kind::kCompleting: n.state = "COMPLETING+CLOUD"; bind(true); break;
    case Kind::kPoweringUp:
      if (r.is_static) {
        n.state = "IDLE+CLOUD+DRAIN+REBOOT_REQUESTED";
        n.next_state = "RESUME";
        bind(true);
        n.reason = with_stamp("Reboot ASAP : reboot issued", "root", kNow - 300);
      } else {
        n.state = "ALLOCATED+CLOUD+POWERING_UP";
        bind(true);
        n.registered = false;
        n.launch_time = kNow - 60;
      }
      break;
    case Kind::kPoweringDownAddr:
      // Slurm has powered the node down but its NodeAddr still points at the instance.
      n.state = odd ? "IDLE+CLOUD+POWERED_DOWN" : "IDLE+CLOUD+POWERING_DOWN";
      bind(true);
      n.registered = false;
      break;
    case Kind::kPoweringDownReset: n.state = "IDLE+CLOUD+POWERING_DOWN"; break;
    case Kind::kDownNotResponding:
      n.state = "DOWN+CLOUD+NOT_RESPONDING";
      bind(true);
      n.reason = with_stamp("Not responding", "slurm", kNow - 900);
      break;
    case Kind::kIdleDrain:
      n.state = "IDLE+CLOUD+DRAIN";
      bind(true);
      n.reason = with_stamp("Kill task failed", "root", kNow - 1200);
      break;
    case Kind::kMixedDrain:
      n.state = "MIXED+CLOUD+DRAIN";
      bind(true);
      n.reason = with_stamp("Node failing ec2_health_check", "root", kNow - 700);
      break;
    case Kind::kMissingInstance: n.state = odd ? "ALLOCATED+CLOUD" : "IDLE+CLOUD"; bind(false); break;
    case Kind::kTail:
      if (r.is_static) {
        n.state = "DOWN+CLOUD+NOT_RESPONDING";
        n.reason = with_stamp("Static node maintenance: unhealthy node is being replaced", "root", kNow - 4000);
      } else if (r.queue == "q4") {
        n.state = "DOWN+CLOUD+POWERED_DOWN";
        n.reason = with_stamp("(Code:InsufficientInstanceCapacity)Failure when resuming nodes", "root", kNow - 120);
      } else {
        n.state = "DOWN+CLOUD+POWERED_DOWN+NOT_RESPONDING";
        n.reason = with_stamp("ResumeTimeout reached", "slurm", kNow - 2000);
      }
      break;
  }
  return n;
}

GeneratedInstance make_instance(const GeneratedNode& n, size_t k) {
  GeneratedInstance i;
  i.id = instance_id(k);
  i.ip = n.addr;
  i.node_name = n.name;
  i.cr = n.cr;
  i.launch_time = n.launch_time;
  i.state = (n.state.find("POWERING_UP") != std::string::npos && (mix(k, 2) & 1)) ? "pending" : "running";
  const uint64_t u = mix(k, 3) % 10000;
  i.health = u < 10 ? 1 : u < 15 ? 2 : 0;
  return i;
}

void append_node(std::string& out, const GeneratedNode& n, const ResourceSpec& r) {
  const bool up = n.registered;
  const bool busy = n.state.find("ALLOCATED") != std::string::npos || n.state.find("MIXED") != std::string::npos;
  const int alloc = n.state.find("ALLOCATED") != std::string::npos ? r.cpus
                    : n.state.find("MIXED") != std::string::npos ? r.cpus / 2
                                                                 : 0;
  const std::string features = std::string(r.is_static ? "static," : "dynamic,") + r.instance_type + "," + r.cr;
  std::string hostname = n.addr == n.name ? n.name : dns_label(n.addr);
  out += "NodeName=" + n.name + (up ? " Arch=x86_64" : "") + " CoresPerSocket=1 \n";
  out += "   CPUAlloc=" + std::to_string(alloc) + " CPUEfctv=" + std::to_string(r.cpus) +
         " CPUTot=" + std::to_string(r.cpus) + " CPULoad=" + (up ? (busy ? std::to_string(alloc) + ".02" : "0.01") : "N/A") + "\n";
  out += "   AvailableFeatures=" + features + "\n   ActiveFeatures=" + features + "\n";
  out += r.instance_type == "p4d.24xlarge" ? "   Gres=gpu:8(S:0-1)\n" : "   Gres=(null)\n";
  out += "   NodeAddr=" + n.addr + " NodeHostName=" + hostname + (up ? " Port=6818 Version=22.05.8\n" : " \n");
  if (up) out += "   OS=Linux 5.10.199-190.747.amzn2.x86_64 #1 SMP Sat Nov 4 16:55:14 UTC 2023 \n";
  out += "   RealMemory=" + std::to_string(r.memory_mb) + " AllocMem=0 FreeMem=" +
         (up ? std::to_string(r.memory_mb * 9 / 10) : std::string("N/A")) + " Sockets=" + std::to_string(r.cpus) +
         " Boards=1\n";
  out += "   State=" + n.state + " ThreadsPerCore=1 TmpDisk=0 Weight=" + (r.is_static ? "1" : "1000") +
         " Owner=N/A MCS_label=N/A\n";
  if (!n.next_state.empty()) out += "   NextState=" + n.next_state + "\n";
  out += "   Partitions=" + r.queue + " \n";
  if (up) {
    out += "   BootTime=" + slurm_time(n.launch_time + 60) + " SlurmdStartTime=" + slurm_time(n.launch_time + 95) + "\n";
    out += "   LastBusyTime=" + slurm_time(busy ? kNow - 5 : kNow - 400) + "\n";
  } else {
    out += "   BootTime=None SlurmdStartTime=None\n   LastBusyTime=Unknown\n";
  }
  out += "   CfgTRES=cpu=" + std::to_string(r.cpus) + ",mem=" + std::to_string(r.memory_mb) + "M,billing=" +
         std::to_string(r.cpus) + "\n";
  out += "   AllocTRES=" + (alloc ? "cpu=" + std::to_string(alloc) : std::string()) + "\n";
  out += "   CapWatts=n/a\n   CurrentWatts=0 AveWatts=0\n   ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s\n";
  if (!n.reason.empty()) out += "   Reason=" + n.reason + "\n";
  out += "\n";
}

}  // namespace

std::vector<ResourceSpec> layout_resources(size_t node_count) {
  std::vector<ResourceSpec> out;
  size_t first = 0;
  for (size_t i = 0; i < std::size(kShares); ++i) {
    const ResourceShare& s = kShares[i];
    size_t count = i + 1 == std::size(kShares) ? node_count - first : node_count * s.permille / 1000;
    out.push_back({s.queue, s.cr, s.type, s.is_static, s.cpus, s.memory_mb, first, count});
    first += count;
  }
  return out;
}

ClusterLayout make_layout(size_t node_count) {
  ClusterLayout l;
  l.node_count = node_count;
  l.resources = layout_resources(node_count);
  l.nodes.reserve(node_count);
  for (size_t c = 0; c < l.resources.size(); ++c)
    for (size_t j = 0; j < l.resources[c].count; ++j)
      l.nodes.push_back(make_node(l.nodes.size(), l.resources[c], c, j + 1));

  for (size_t k = 0; k < l.nodes.size(); ++k)
    if (l.nodes[k].has_instance) l.instances.push_back(make_instance(l.nodes[k], k));
  // Orphans: instances no node points at; 0.5% launched 2 h ago (terminated), 0.1% a minute ago
  // (kept: their node may not have been updated yet).
  const size_t bound = l.instances.size();
  const size_t old_orphans = std::max<size_t>(1, bound / 200), new_orphans = std::max<size_t>(1, bound / 1000);
  for (size_t j = 0; j < old_orphans + new_orphans; ++j) {
    size_t k = 8'000'000 + j;
    GeneratedInstance i;
    i.id = instance_id(k);
    i.ip = node_ip(k);
    i.cr = j % l.resources.size();
    i.node_name = l.resources[i.cr].queue + "-dy-" + l.resources[i.cr].cr + "-" + std::to_string(node_count + j + 1);
    i.state = "running";
    i.launch_time = j < old_orphans ? kNow - 7200 : kNow - 60;
    l.instances.push_back(std::move(i));
  }
  l.orphan_count = old_orphans + new_orphans;
  // EC2 returns instances in no useful order.
  for (size_t i = l.instances.size(); i > 1; --i) std::swap(l.instances[i - 1], l.instances[mix(i, 4) % i]);
  return l;
}

std::string scontrol_nodes_text(const ClusterLayout& l) {
  std::string out;
  out.reserve(l.node_count * 1000);
  for (const auto& n : l.nodes) append_node(out, n, l.resources[n.cr]);
  return out;
}

std::string scontrol_partitions_text(const ClusterLayout& l) {
  std::map<std::string, std::vector<const ResourceSpec*>> by_queue;
  for (const auto& r : l.resources) by_queue[r.queue].push_back(&r);
  std::string out;
  for (const auto& [queue, resources] : by_queue) {
    std::string nodes;
    int cpus = 0;
    long long mem = 0;
    size_t count = 0;
    for (const ResourceSpec* r : resources) {
      if (r->count == 0) continue;
      nodes += (nodes.empty() ? "" : ",") + queue + (r->is_static ? "-st-" : "-dy-") + r->cr + "-[1-" +
               std::to_string(r->count) + "]";
      cpus += r->cpus * static_cast<int>(r->count);
      mem += static_cast<long long>(r->memory_mb) * static_cast<long long>(r->count);
      count += r->count;
    }
    out += "PartitionName=" + queue +
           " AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL Default=" + (queue == "q1" ? "YES" : "NO") +
           " QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO MaxNodes=UNLIMITED "
           "MaxTime=UNLIMITED MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED NodeSets=" + queue + "_nodes Nodes=" + nodes +
           " PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE "
           "PreemptMode=OFF State=UP TotalCPUs=" + std::to_string(cpus) + " TotalNodes=" + std::to_string(count) +
           " SelectTypeParameters=NONE JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED TRES=cpu=" +
           std::to_string(cpus) + ",mem=" + std::to_string(mem) + "M,node=" + std::to_string(count) + ",billing=" +
           std::to_string(cpus) + "\n";
  }
  return out;
}

ClusterInputs generate_cluster(size_t node_count) {
  ClusterInputs in;
  in.layout = make_layout(node_count);
  in.scontrol_nodes = scontrol_nodes_text(in.layout);
  in.scontrol_partitions = scontrol_partitions_text(in.layout);
  for (size_t p = 0; p < describe_instances_page_count(in.layout); ++p)
    in.describe_instances.push_back(describe_instances_page(in.layout, p));
  for (size_t p = 0; p < instance_status_page_count(in.layout); ++p)
    in.instance_status.push_back(instance_status_page(in.layout, p));
  return in;
}

bool write_inputs(const std::string& dir, size_t node_count) {
  auto put = [&](const std::string& name, const std::string& data) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    f << data;
    return static_cast<bool>(f);
  };
  ClusterLayout l = make_layout(node_count);
  bool ok = put("nodes.txt", scontrol_nodes_text(l)) && put("partitions.txt", scontrol_partitions_text(l));
  const size_t di = describe_instances_page_count(l), st = instance_status_page_count(l);
  for (size_t p = 0; ok && p < di; ++p) ok = put("di-" + std::to_string(p) + ".xml", describe_instances_page(l, p));
  for (size_t p = 0; ok && p < st; ++p) ok = put("st-" + std::to_string(p) + ".xml", instance_status_page(l, p));
  return ok && put("counts", std::to_string(di) + " " + std::to_string(st) + "\n");
}

std::string generate_resume_hostlist(size_t count) {
  // Slurm resumes power-saved nodes of several compute resources at once; take them from a
  // 10k cluster so the list has the gaps that busy nodes leave.
  ClusterLayout l = make_layout(std::max<size_t>(10000, count * 8));
  std::vector<std::string> names;
  for (const auto& n : l.nodes)
    if (n.state == "IDLE+CLOUD+POWERED_DOWN" && !n.has_instance && names.size() < count) names.push_back(n.name);
  return core::compress_hostlist(names);
}

std::vector<core::QueueSpec> generated_queues(size_t node_count) {
  std::vector<core::QueueSpec> queues;
  for (const auto& r : layout_resources(node_count)) {
    auto q = std::find_if(queues.begin(), queues.end(), [&](const core::QueueSpec& s) { return s.name == r.queue; });
    if (q == queues.end()) q = queues.insert(queues.end(), core::QueueSpec{r.queue, {}});
    auto c = std::find_if(q->compute_resources.begin(), q->compute_resources.end(),
                          [&](const core::ComputeResourceSpec& s) { return s.name == r.cr; });
    if (c == q->compute_resources.end())
      c = q->compute_resources.insert(q->compute_resources.end(), core::ComputeResourceSpec{r.cr, r.instance_type, 0, 0});
    if (r.is_static) c->min_count += static_cast<int>(r.count);
    c->max_count += static_cast<int>(r.count);
  }
  return queues;
}

core::ManagerSettings generated_settings(size_t node_count) {
  core::ManagerSettings s;
  s.queues = generated_queues(node_count);
  s.ec2_instance_missing_max_count = 0;
  s.protected_failure_count = 10;
  s.insufficient_capacity_timeout = 600;
  s.orphaned_instance_timeout = 300;
  return s;
}

}  // namespace ebbflow::bench
