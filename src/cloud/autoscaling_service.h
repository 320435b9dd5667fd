// The local cloud's EC2 Auto Scaling service: the Query API (version 2011-01-01, SigV4 service
// "autoscaling") over groups that keep a desired number of LocalCloud instances running.
//
// Actions (already authenticated by the HTTP layer): CreateAutoScalingGroup,
// DescribeAutoScalingGroups, SetDesiredCapacity, UpdateAutoScalingGroup,
// TerminateInstanceInAutoScalingGroup, DeleteAutoScalingGroup, PutNotificationConfiguration,
// DescribeNotificationConfigurations. API calls only change the group's record (and terminate
// the named instance); tick(now), called by the server's supervisor thread, reconciles every
// group with EC2:
//   - a member whose instance is shutting down or gone while the group did not terminate it
//     (killed by a fault, terminated through EC2, its script exited) leaves the group and is
//     replaced, as a real group with EC2 health checks does; desired capacity is kept;
//   - live members (not Terminating) < desired: launch the difference from the launch template,
//     tagged with the group's PropagateAtLaunch tags and aws:autoscaling:groupName; a failed
//     launch is retried after launch_retry_s;
//   - live members > desired: terminate the surplus, newest first;
//   - Pending -> InService once the instance runs; a Terminating member leaves once terminated.
// Each launch and termination of a member sends autoscaling:EC2_INSTANCE_LAUNCH / _TERMINATE
// (AWS's JSON shape) to every topic configured for it, through the injected sink.
// Lock order: this service's mutex, then LocalCloud's (LocalCloud never calls back in).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "cloud/autoscaling_model.h"
#include "cloud/autoscaling_store.h"
#include "cloud/local_cloud.h"
#include "cloud/query_params.h"
#include "util/result.h"

namespace ebbflow::cloud {

// Where notifications go: topic ARN, SNS Subject, the notification JSON (SNS "Message"), now.
using AsgNotificationSink = std::function<void(const std::string& topic_arn, const std::string& subject,
                                               const std::string& message_json, int64_t now)>;
using AsgLog = std::function<void(nlohmann::json event)>;

struct AutoScalingOptions {
  std::string state_dir;  // autoscaling.db lives here
  std::string region = "us-east-1";
  int64_t launch_retry_s = 10;  // wait after a failed launch before trying again
};

struct AsgReply {
  int http_status = 200;
  std::string body;  // XML
};

class AutoScalingService {
 public:
  static Result<std::unique_ptr<AutoScalingService>> open(AutoScalingOptions options, LocalCloud* cloud,
                                                          AsgNotificationSink sink = {}, AsgLog log = {});

  // One Auto Scaling Query API call. Never throws; errors are Auto Scaling XML.
  AsgReply handle(const QueryParams& params, int64_t now, const std::string& request_id);
  // Reconciles every group with EC2 (see the header comment).
  void tick(int64_t now);

  void set_sink(AsgNotificationSink sink);
  nlohmann::json state_json() const;

 private:
  AutoScalingService(AutoScalingOptions options, LocalCloud* cloud, std::unique_ptr<AsgStore> store,
                     AsgNotificationSink sink, AsgLog log);

  // Actions; `mu_` is held.
  AsgReply dispatch(const std::string& action, const QueryParams& p, int64_t now, const std::string& rid);
  AsgReply create_group(const QueryParams& p, int64_t now, const std::string& rid);
  AsgReply describe_groups(const QueryParams& p, const std::string& rid);
  AsgReply set_desired_capacity(const QueryParams& p, int64_t now, const std::string& rid);
  AsgReply update_group(const QueryParams& p, int64_t now, const std::string& rid);
  AsgReply terminate_instance(const QueryParams& p, int64_t now, const std::string& rid);
  AsgReply delete_group(const QueryParams& p, int64_t now, const std::string& rid);
  AsgReply put_notification_configuration(const QueryParams& p, int64_t now, const std::string& rid);
  AsgReply describe_notification_configurations(const QueryParams& p, const std::string& rid);

  // Reconciliation and notifications (autoscaling_reconcile.cpp); `mu_` is held.
  bool reconcile(AsgGroup& g, int64_t now);  // true if `g` changed
  void terminate_members(AsgGroup& g, const std::vector<std::string>& ids, const std::string& cause, int64_t now);
  void notify(const AsgGroup& g, const std::string& event, const std::string& instance_id,
              const std::string& activity_id, const std::string& cause, int64_t now,
              const std::string& error_message = "");
  void persist(const AsgGroup& g);

  const AutoScalingOptions options_;
  LocalCloud* const cloud_;
  mutable std::mutex mu_;  // guards everything below
  std::unique_ptr<AsgStore> store_;
  AsgNotificationSink sink_;
  AsgLog log_;
  std::map<std::string, AsgGroup> groups_;  // by name (ordered: stable pagination)
};

// "At 2026-11-26T03:40:00Z": the timestamp AWS puts in activity causes.
std::string asg_cause_time(int64_t now);
std::string asg_activity_id();

}  // namespace ebbflow::cloud
