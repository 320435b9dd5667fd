// The local cloud's state machine: EC2 actions, instance lifecycle, faults.
//
// LocalCloud owns the in-memory working set (instances, launch templates, client tokens,
// faults), writes every change through to CloudStore, and runs instances as process groups.
// The HTTP layer (server.h) authenticates requests and calls in here; a supervisor thread calls
// tick() about once a second. Every public method takes the lock `mu_`, and `now` (Unix
// seconds) is an argument so lifecycle rules are testable without sleeping.
//
// Lifecycle: RunInstances -> running (the user-data script started). The script exiting, or
// TerminateInstances, or a kill-instance fault ends it: shutting-down (SIGTERM to the group,
// SIGKILL after kill_grace_s) -> terminated. Terminated instances stay visible for
// terminated_retention_s, then disappear, as on EC2.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloud/address_pool.h"
#include "cloud/cloud_store.h"
#include "cloud/faults.h"
#include "cloud/model.h"
#include "cloud/query_params.h"
#include "util/result.h"

namespace ebbflow::cloud {

struct CloudOptions {
  std::string state_dir;                  // database and instances/<id>/ live here
  std::string region = "us-east-1";
  std::string address_pool = "127.77.0.0/16";
  std::string imds_base_url;              // "http://127.0.0.1:PORT/imds/" (the instance id is appended)
  int64_t terminated_retention_s = 3600;
  int64_t kill_grace_s = 5;
};

struct Ec2Reply {
  int http_status = 200;
  std::string body;  // XML
  int delay_s = 0;   // slow-reply fault: the HTTP layer holds the reply this long
};

class LocalCloud {
 public:
  // Opens the store, loads the state and re-adopts instances whose process group still lives
  // (the others become terminated).
  static Result<std::unique_ptr<LocalCloud>> open(CloudOptions options, int64_t now);

  // One EC2 Query API call (already authenticated). Never throws; errors are EC2 XML.
  Ec2Reply handle(const QueryParams& params, int64_t now, const std::string& request_id);

  // Reaps exited scripts, polls adopted groups, escalates SIGTERM to SIGKILL, forgets old
  // terminated instances.
  void tick(int64_t now);

  // Fault injection.
  Status kill_instance(const std::string& id, int64_t now);
  Result<int64_t> add_fault(const nlohmann::json& spec);
  void clear_faults();
  nlohmann::json state_json() const;

  // A copy of a non-terminated instance (for IMDS), or nullopt.
  std::optional<Instance> live_instance(const std::string& id) const;
  std::string region() const { return options_.region; }

  // For the Auto Scaling service (autoscaling_service.h), which drives EC2 from inside the cloud.
  // Launches `count` instances from launch template `template_name` as RunInstances with that
  // template does (fail-launch and never-bootstrap faults apply; all or nothing), adding
  // `extra_tags` to the template's instance tags. Returns the new instance ids.
  Result<std::vector<std::string>> launch_from_template(const std::string& template_name, int count,
                                                        const Tags& extra_tags, int64_t now);
  // As TerminateInstances (user-initiated shutdown); unknown or already terminated ids are skipped.
  void terminate(const std::vector<std::string>& ids, int64_t now);
  // The EC2 state name of each id that is still known (purged ids are absent from the map).
  std::map<std::string, std::string> instance_states(const std::vector<std::string>& ids) const;
  std::optional<LaunchTemplate> launch_template(const std::string& name) const;

 private:
  LocalCloud(CloudOptions options, std::unique_ptr<CloudStore> store, AddressPool pool);

  // EC2 actions; `mu_` is held.
  Ec2Reply dispatch(const std::string& action, const QueryParams& p, int64_t now, const std::string& rid);
  Ec2Reply run_instances(const QueryParams& p, int64_t now, const std::string& rid);
  Ec2Reply terminate_instances(const QueryParams& p, int64_t now, const std::string& rid);
  Ec2Reply describe_instances(const QueryParams& p, const std::string& rid);
  Ec2Reply describe_instance_status(const QueryParams& p, int64_t now, const std::string& rid);
  Ec2Reply create_tags(const QueryParams& p, const std::string& rid);
  Ec2Reply create_launch_template(const QueryParams& p, int64_t now, const std::string& rid);
  Ec2Reply delete_launch_template(const QueryParams& p, const std::string& rid);
  Ec2Reply describe_launch_templates(const QueryParams& p, const std::string& rid);
  Ec2Reply create_fleet(const QueryParams& p, int64_t now, const std::string& rid);

  // The launch machinery RunInstances and CreateFleet share; `mu_` is held.
  // Records up to `count` new instances (addresses permitting; not started yet).
  std::vector<Instance*> allocate_instances(const std::string& type, const LaunchTemplate* lt, const Tags& tags,
                                            const std::string& client_token, long long count,
                                            const std::string& reservation, int64_t now);
  // Starts each allocated instance's user data (never-bootstrap faults apply), persists them and
  // records the client token. Returns the instances as launched (EC2 answers "pending").
  std::vector<Instance> start_instances(const std::vector<Instance*>& launched, const std::string& type,
                                        const std::string& user_data, int64_t now);

  // Lifecycle helpers; `mu_` is held.
  Status start_process(Instance& inst, const std::string& user_data);
  void begin_shutdown(Instance& inst, const std::string& reason, int64_t now);
  void set_terminated(Instance& inst, const std::string& reason, int64_t now);
  bool address_in_use(const std::string& ip) const;
  Result<std::vector<Instance*>> find_instances(const std::vector<std::string>& ids);
  void persist(const std::vector<const Instance*>& changed);
  void persist_faults();

  const CloudOptions options_;  // constant after construction
  mutable std::mutex mu_;       // guards everything below
  std::unique_ptr<CloudStore> store_;
  AddressPool pool_;
  std::map<std::string, Instance> instances_;       // by id (ordered: stable pagination)
  std::map<std::string, LaunchTemplate> templates_; // by name
  std::map<std::string, std::vector<std::string>> client_tokens_;
  std::set<int> children_;                          // pids we forked and have not reaped
  FaultTable faults_;
};

Ec2Reply ec2_error(const std::string& code, const std::string& message, const std::string& request_id,
                   int http_status = 400);
Ec2Reply ec2_error(const Error& e, const std::string& request_id);

}  // namespace ebbflow::cloud
