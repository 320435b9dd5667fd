// LocalCloud: opening, dispatch, instance lifecycle and fault injection.
// The EC2 action handlers are in ec2_actions.cpp.
#include "cloud/local_cloud.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "cloud/ec2_xml.h"
#include "cloud/instance_process.h"

namespace ebbflow::cloud {

namespace fs = std::filesystem;

Ec2Reply ec2_error(const std::string& code, const std::string& message, const std::string& request_id,
                   int http_status) {
  return Ec2Reply{http_status, render_error(code, message, request_id)};
}

Ec2Reply ec2_error(const Error& e, const std::string& request_id) {
  int status = e.kind == ErrorKind::kInternal || e.kind == ErrorKind::kRetry ? 500 : 400;
  return ec2_error(e.code, e.message, request_id, status);
}

LocalCloud::LocalCloud(CloudOptions options, std::unique_ptr<CloudStore> store, AddressPool pool)
    : options_(std::move(options)), store_(std::move(store)), pool_(std::move(pool)) {}

Result<std::unique_ptr<LocalCloud>> LocalCloud::open(CloudOptions options, int64_t now) {
  auto pool = AddressPool::parse(options.address_pool);
  if (!pool.ok()) return pool.error();
  std::error_code ec;
  fs::create_directories(fs::path(options.state_dir) / "instances", ec);
  if (ec) {
    return make_error(ErrorKind::kGiveUp, "StateDirError", "cannot create " + options.state_dir + ": " + ec.message());
  }
  auto store = CloudStore::open((fs::path(options.state_dir) / "cloud.db").string());
  if (!store.ok()) return store.error();
  auto instances = (*store)->load_instances();
  if (!instances.ok()) return instances.error();
  auto templates = (*store)->load_launch_templates();
  if (!templates.ok()) return templates.error();
  auto tokens = (*store)->load_client_tokens();
  if (!tokens.ok()) return tokens.error();
  auto faults = (*store)->load_faults();
  if (!faults.ok()) return faults.error();

  std::unique_ptr<LocalCloud> cloud(new LocalCloud(std::move(options), std::move(*store), std::move(*pool)));
  std::lock_guard lock(cloud->mu_);
  std::vector<const Instance*> changed;
  for (auto& inst : *instances) {
    cloud->pool_.note_used(inst.private_ip);
    auto& slot = cloud->instances_[inst.id] = std::move(inst);
    // Re-adopt: a live group keeps running (tick() polls it, as it is no longer our child).
    if (slot.state != kTerminated && !group_alive(slot.pgid)) {
      cloud->set_terminated(slot, kReasonInstanceShutdown, now);
      changed.push_back(&slot);
    }
  }
  for (auto& lt : *templates) cloud->templates_[lt.name] = std::move(lt);
  for (auto& [token, ids] : *tokens) cloud->client_tokens_[token] = std::move(ids);
  cloud->faults_.restore(std::move(*faults));
  cloud->persist(changed);
  return cloud;
}

void LocalCloud::persist(const std::vector<const Instance*>& changed) {
  if (changed.empty()) return;
  // A failed write is logged by the caller's caller only through state; the in-memory state
  // stays authoritative for this run, so the API keeps answering.
  (void)store_->put_instances(changed);
}

void LocalCloud::persist_faults() { (void)store_->save_faults(faults_.all()); }

Ec2Reply LocalCloud::handle(const QueryParams& p, int64_t now, const std::string& rid) {
  std::lock_guard lock(mu_);
  auto action = p.get("Action");
  if (!action) return ec2_error("MissingAction", "The request must contain the parameter Action", rid);
  if (auto fault = faults_.on_request(*action)) {
    persist_faults();
    return ec2_error(fault->code, fault->message, rid, fault->http_status);
  }
  Ec2Reply reply = dispatch(*action, p, now, rid);
  if ((reply.delay_s = faults_.on_reply(*action)) > 0) persist_faults();
  return reply;
}

Ec2Reply LocalCloud::dispatch(const std::string& action, const QueryParams& p, int64_t now, const std::string& rid) {
  if (action == "RunInstances") return run_instances(p, now, rid);
  if (action == "TerminateInstances") return terminate_instances(p, now, rid);
  if (action == "DescribeInstances") return describe_instances(p, rid);
  if (action == "DescribeInstanceStatus") return describe_instance_status(p, now, rid);
  if (action == "CreateTags") return create_tags(p, rid);
  if (action == "CreateLaunchTemplate") return create_launch_template(p, now, rid);
  if (action == "DeleteLaunchTemplate") return delete_launch_template(p, rid);
  if (action == "DescribeLaunchTemplates") return describe_launch_templates(p, rid);
  if (action == "CreateFleet") return create_fleet(p, now, rid);
  return ec2_error("InvalidAction", "The action " + action + " is not valid for this web service.", rid);
}

Status LocalCloud::start_process(Instance& inst, const std::string& user_data) {
  fs::path dir = fs::path(options_.state_dir) / "instances" / inst.id;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(ErrorKind::kInternal, "InternalError", "cannot create " + dir.string());
  fs::path script = dir / "user-data";
  {
    std::ofstream out(script, std::ios::binary | std::ios::trunc);
    out << user_data;
    if (!out) return make_error(ErrorKind::kInternal, "InternalError", "cannot write " + script.string());
  }
  chmod(script.c_str(), 0700);
  std::string imds = options_.imds_base_url + inst.id + "/";
  SpawnSpec spec;
  spec.working_dir = dir.string();
  spec.script_path = script.string();
  spec.console_path = (dir / "console.log").string();
  spec.env = {{"EBBFLOW_INSTANCE_ID", inst.id},
              {"EBBFLOW_PRIVATE_IP", inst.private_ip},
              {"EBBFLOW_INSTANCE_TYPE", inst.instance_type},
              {"EBBFLOW_IMDS_ENDPOINT", imds},
              {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds},
              {"HOME", dir.string()},
              {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}};
  auto pid = spawn_instance(spec);
  if (!pid.ok()) return pid.error();
  inst.pgid = *pid;
  children_.insert(*pid);
  return {};
}

void LocalCloud::begin_shutdown(Instance& inst, const std::string& reason, int64_t now) {
  if (inst.state == kTerminated || inst.state == kShuttingDown) return;
  inst.state = kShuttingDown;
  inst.state_reason = reason;
  inst.state_changed_at = now;
  inst.kill_deadline = now + options_.kill_grace_s;
  signal_group(inst.pgid, SIGTERM);
}

void LocalCloud::set_terminated(Instance& inst, const std::string& reason, int64_t now) {
  inst.state = kTerminated;
  if (faults_.forget_instance(inst.id)) persist_faults();
  if (inst.state_reason.empty() || reason == kReasonInternalError) inst.state_reason = reason;
  inst.state_changed_at = now;
  inst.kill_deadline = 0;
}

bool LocalCloud::address_in_use(const std::string& ip) const {
  for (const auto& [id, inst] : instances_) {
    if (inst.state != kTerminated && inst.private_ip == ip) return true;
  }
  return false;
}

void LocalCloud::tick(int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<const Instance*> changed;
  std::vector<std::string> purge;
  for (auto& [id, inst] : instances_) {
    if (inst.state == kTerminated) {
      if (children_.count(inst.pgid)) {  // e.g. killed by a fault: collect the zombie leader
        bool not_child = false;
        if (reap_child(inst.pgid, &not_child) || not_child) children_.erase(inst.pgid);
      }
      if (now - inst.state_changed_at >= options_.terminated_retention_s) purge.push_back(id);
      continue;
    }
    // Is the user-data script (the group leader) still there?
    // Always try to reap: after an in-process re-open, an "adopted" group may still be our child,
    // and its zombie leader would otherwise keep the group alive forever.
    bool not_child = false;
    bool leader_gone = reap_child(inst.pgid, &not_child).has_value();
    if (not_child) leader_gone = !process_alive(inst.pgid);
    if (leader_gone || not_child) children_.erase(inst.pgid);
    if (leader_gone && (inst.state == kRunning || inst.state == kPending)) {
      begin_shutdown(inst, kReasonInstanceShutdown, now);
      changed.push_back(&inst);
    }
    if (inst.state != kShuttingDown) continue;
    if (leader_gone && !group_alive(inst.pgid)) {
      set_terminated(inst, kReasonInstanceShutdown, now);
      changed.push_back(&inst);
    } else if (now >= inst.kill_deadline) {
      signal_group(inst.pgid, SIGKILL);
    }
  }
  persist(changed);
  for (const auto& id : purge) {
    instances_.erase(id);
    (void)store_->delete_instance(id);
    std::error_code ec;
    fs::remove_all(fs::path(options_.state_dir) / "instances" / id, ec);
  }
}

Status LocalCloud::kill_instance(const std::string& id, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = instances_.find(id);
  if (it == instances_.end() || it->second.state == kTerminated) {
    return make_error(ErrorKind::kNotFound, "InvalidInstanceID.NotFound",
                      "The instance ID '" + id + "' does not exist or is terminated");
  }
  Instance& inst = it->second;
  signal_group(inst.pgid, SIGKILL);  // as if the hardware failed: no SIGTERM, no grace
  inst.state_reason.clear();
  set_terminated(inst, kReasonInternalError, now);
  persist({&inst});
  return {};
}

Result<int64_t> LocalCloud::add_fault(const nlohmann::json& spec) {
  auto f = fault_from_json(spec);
  if (!f.ok()) return f.error();
  std::lock_guard lock(mu_);
  if (!f->instance_id.empty()) {  // status faults need a live instance to attach to
    auto it = instances_.find(f->instance_id);
    if (it == instances_.end() || it->second.state == kTerminated) {
      return make_error(ErrorKind::kNotFound, "InvalidInstanceID.NotFound",
                        "The instance ID '" + f->instance_id + "' does not exist or is terminated");
    }
  }
  int64_t id = faults_.add(*f);
  persist_faults();
  return id;
}

void LocalCloud::clear_faults() {
  std::lock_guard lock(mu_);
  faults_.clear();
  persist_faults();
}

nlohmann::json LocalCloud::state_json() const {
  std::lock_guard lock(mu_);
  nlohmann::json out = {{"region", options_.region}, {"address_pool", pool_.cidr()}};
  out["instances"] = nlohmann::json::array();
  for (const auto& [id, i] : instances_) {
    out["instances"].push_back({{"instance_id", i.id},
                                {"instance_type", i.instance_type},
                                {"state", i.state},
                                {"private_ip", i.private_ip},
                                {"private_dns_name", i.private_dns_name},
                                {"launch_time", i.launch_time},
                                {"launch_template", i.launch_template_name},
                                {"client_token", i.client_token},
                                {"pgid", i.pgid},
                                {"state_reason", i.state_reason},
                                {"tags", i.tags}});
  }
  out["launch_templates"] = nlohmann::json::array();
  for (const auto& [name, lt] : templates_) {
    out["launch_templates"].push_back({{"name", name}, {"id", lt.id}, {"instance_type", lt.instance_type}});
  }
  out["faults"] = nlohmann::json::array();
  for (const auto& f : faults_.all()) out["faults"].push_back(to_json(f));
  return out;
}

Result<std::vector<std::string>> LocalCloud::launch_from_template(const std::string& template_name, int count,
                                                                  const Tags& extra_tags, int64_t now) {
  std::lock_guard lock(mu_);
  auto lt = templates_.find(template_name);
  if (lt == templates_.end()) {
    return make_error(ErrorKind::kNotFound, "InvalidLaunchTemplateName.NotFoundException",
                      "The specified launch template, with template name " + template_name + ", does not exist.");
  }
  const std::string type = lt->second.instance_type.empty() ? "t3.micro" : lt->second.instance_type;
  if (auto fault = faults_.on_launch(type)) {
    persist_faults();
    return make_error(ErrorKind::kBackOff, fault->code, fault->message);
  }
  Tags tags = lt->second.instance_tags;
  for (const auto& [k, v] : extra_tags) tags[k] = v;
  tags["aws:ec2launchtemplate:id"] = lt->second.id;
  tags["aws:ec2launchtemplate:version"] = "1";
  std::string reservation = "r-" + random_hex(17);
  std::vector<Instance*> launched;
  for (int n = 0; n < count; ++n) {
    auto ip = pool_.allocate([this](const std::string& a) { return address_in_use(a); });
    if (!ip.ok()) {
      for (Instance* i : launched) instances_.erase(i->id);
      return make_error(ErrorKind::kBackOff, "InsufficientInstanceCapacity",
                        "There are not enough free addresses in " + pool_.cidr() + " for " + std::to_string(count) +
                            " instance(s).");
    }
    Instance inst;
    inst.id = "i-" + random_hex(17);
    inst.instance_type = type;
    inst.private_ip = *ip;
    inst.private_dns_name = private_dns_name(*ip);
    inst.launch_time = now;
    inst.state_changed_at = now;
    inst.launch_template_name = lt->second.name;
    inst.launch_template_id = lt->second.id;
    inst.tags = tags;
    inst.launch_index = n;
    inst.reservation_id = reservation;
    launched.push_back(&(instances_[inst.id] = std::move(inst)));
  }
  std::vector<const Instance*> changed;
  std::vector<std::string> ids;
  bool faults_used = false;
  for (Instance* i : launched) {
    bool never_bootstrap = faults_.on_instance_start(type);
    faults_used = faults_used || never_bootstrap;
    if (auto s = start_process(*i, never_bootstrap ? "exec sleep infinity\n" : lt->second.user_data); !s.ok()) {
      set_terminated(*i, kReasonInternalError, now);
    } else {
      i->state = kRunning;
    }
    changed.push_back(i);
    ids.push_back(i->id);
  }
  persist(changed);
  if (faults_used) persist_faults();
  return ids;
}

void LocalCloud::terminate(const std::vector<std::string>& ids, int64_t now) {
  std::lock_guard lock(mu_);
  std::vector<const Instance*> changed;
  for (const auto& id : ids) {
    auto it = instances_.find(id);
    if (it == instances_.end() || it->second.state == kTerminated) continue;
    begin_shutdown(it->second, kReasonUserShutdown, now);
    changed.push_back(&it->second);
  }
  persist(changed);
}

std::map<std::string, std::string> LocalCloud::instance_states(const std::vector<std::string>& ids) const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& id : ids) {
    if (auto it = instances_.find(id); it != instances_.end()) out[id] = it->second.state;
  }
  return out;
}

std::optional<LaunchTemplate> LocalCloud::launch_template(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = templates_.find(name);
  if (it == templates_.end()) return std::nullopt;
  return it->second;
}

std::optional<Instance> LocalCloud::live_instance(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = instances_.find(id);
  if (it == instances_.end() || it->second.state == kTerminated) return std::nullopt;
  return it->second;
}

}  // namespace ebbflow::cloud
