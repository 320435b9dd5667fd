// The Auto Scaling port: the subset of the EC2 Auto Scaling API (Query protocol, version
// 2011-01-01, XML replies, SigV4 service "autoscaling") that traditional mode uses.
//
// AutoScalingApi is what the traditional-mode daemons depend on (jobwatcher raises desired
// capacity, nodewatcher terminates its own instance with decrement, sqswatcher and status read
// the group). AutoScalingClient implements it over the wire against real AWS or `ebbflow cloud
// serve`; fakes in scenario tests implement the same interface.
//
// Error mapping (Error.code is the service's code verbatim): Throttling -> kBackOff;
// HTTP 5xx / InternalFailure / ServiceUnavailable -> kRetry; ValidationError -> kInvalidInput
// (e.g. "Currently, desiredSize equals minSize (1). Terminating instance without replacement
// will violate group's min size constraint."), ResourceContention -> kRetry,
// AlreadyExists -> kGiveUp (callers check the code), unknown group -> kNotFound (AWS reports it as a ValidationError
// "AutoScalingGroup name not found"; the client maps that message to kNotFound),
// no HTTP response -> kUnavailable, unparseable reply -> kRetry "MalformedResponse".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/aws_client.h"
#include "aws/client_config.h"
#include "aws/http.h"
#include "util/result.h"

namespace ebbflow::aws {

struct AsgInstance {
  std::string instance_id;
  std::string instance_type;
  std::string lifecycle_state;  // Pending | InService | Terminating | Terminated | ...
  std::string health_status;    // Healthy | Unhealthy
  std::string launch_template_name;
};

struct AutoScalingGroup {
  std::string name;
  std::string arn;
  int min_size = 0;
  int max_size = 0;
  int desired_capacity = 0;
  std::string launch_template_name;
  std::vector<AsgInstance> instances;
  std::map<std::string, std::string> tags;
  int64_t created_time = 0;  // Unix seconds
};

struct CreateAutoScalingGroupRequest {
  std::string name;
  std::string launch_template_name;  // LaunchTemplate.LaunchTemplateName, version $Latest
  int min_size = 0;
  int max_size = 0;
  std::optional<int> desired_capacity;  // absent: MinSize
  std::map<std::string, std::string> tags;  // PropagateAtLaunch=true: copied onto every instance
};

struct UpdateAutoScalingGroupRequest {
  std::string name;
  std::optional<int> min_size;
  std::optional<int> max_size;
  std::optional<int> desired_capacity;
};

struct TerminateInAsgResult {
  std::string activity_id;
  std::string description;  // "Terminating EC2 instance: i-..."
};

class AutoScalingApi {
 public:
  virtual ~AutoScalingApi() = default;
  virtual Status create_group(const CreateAutoScalingGroupRequest& req) = 0;
  // ForceDelete=true also terminates the group's instances.
  virtual Status delete_group(const std::string& name, bool force_delete) = 0;
  // Follows NextToken. `names` empty = every group.
  virtual Result<std::vector<AutoScalingGroup>> describe_groups(const std::vector<std::string>& names) = 0;
  virtual Status set_desired_capacity(const std::string& name, int desired, bool honor_cooldown = false) = 0;
  virtual Status update_group(const UpdateAutoScalingGroupRequest& req) = 0;
  // kInvalidInput (ValidationError) when decrementing would go below MinSize.
  virtual Result<TerminateInAsgResult> terminate_instance_in_group(const std::string& instance_id,
                                                                   bool should_decrement_desired_capacity) = 0;
  // PutNotificationConfiguration: lifecycle notifications ("autoscaling:EC2_INSTANCE_LAUNCH",
  // "autoscaling:EC2_INSTANCE_TERMINATE") of `group` go to `topic_arn`.
  virtual Status put_notification_configuration(const std::string& group, const std::string& topic_arn,
                                                const std::vector<std::string>& notification_types) = 0;
};

class AutoScalingClient : public AutoScalingApi {
 public:
  AutoScalingClient(ClientConfig config, std::unique_ptr<HttpClient> http, AwsClientHooks hooks = {});
  ~AutoScalingClient() override;
  Status create_group(const CreateAutoScalingGroupRequest& req) override;
  Status delete_group(const std::string& name, bool force_delete) override;
  Result<std::vector<AutoScalingGroup>> describe_groups(const std::vector<std::string>& names) override;
  Status set_desired_capacity(const std::string& name, int desired, bool honor_cooldown = false) override;
  Status update_group(const UpdateAutoScalingGroupRequest& req) override;
  Result<TerminateInAsgResult> terminate_instance_in_group(const std::string& instance_id,
                                                           bool should_decrement_desired_capacity) override;
  Status put_notification_configuration(const std::string& group, const std::string& topic_arn,
                                        const std::vector<std::string>& notification_types) override;

 private:
  Result<std::string> call(const std::string& form_body);
  std::unique_ptr<AwsClient> client_;
};

// Parsers for Auto Scaling XML replies, exposed for tests and fuzzing.
Result<std::vector<AutoScalingGroup>> parse_describe_auto_scaling_groups(const std::string& xml,
                                                                         std::string* next_token);
Result<TerminateInAsgResult> parse_terminate_instance_in_asg(const std::string& xml);
Error parse_autoscaling_error(int http_status, const std::string& body);

}  // namespace ebbflow::aws
