// AutoScalingClient: each AutoScalingApi method as an Auto Scaling Query request (API
// 2011-01-01), serialised exactly as botocore's query serializer does: lists as
// Name.member.N, structures as Name.Member, booleans "true"/"false", members in the order the
// caller gave them (cross-checked by tests/unit/aws/autoscaling_serialize_test.cpp).
#include <set>

#include "aws/autoscaling.h"
#include "aws/query_form.h"

namespace ebbflow::aws {
namespace {

constexpr const char* kVersion = "2011-01-01";
constexpr int kPageSize = 100;     // the most DescribeAutoScalingGroups returns per page
constexpr int kMaxPages = 10000;   // a guard against a server that never stops paginating

void add_members(QueryForm& form, const std::string& prefix, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) form.add(prefix + ".member." + std::to_string(i + 1), values[i]);
}

}  // namespace

AutoScalingClient::AutoScalingClient(ClientConfig config, std::unique_ptr<HttpClient> http, AwsClientHooks hooks)
    : client_(std::make_unique<AwsClient>(
          std::move(config), "autoscaling", std::move(http),
          [](const HttpResponse& r) { return parse_autoscaling_error(r.status, r.body); }, std::move(hooks))) {}

AutoScalingClient::~AutoScalingClient() = default;

Result<std::string> AutoScalingClient::call(const std::string& form_body) {
  auto resp = client_->call("POST", "/", "application/x-www-form-urlencoded; charset=utf-8", form_body);
  if (!resp.ok()) return resp.error();
  return std::move(resp->body);
}

Status AutoScalingClient::create_group(const CreateAutoScalingGroupRequest& req) {
  QueryForm form("CreateAutoScalingGroup", kVersion);
  form.add("AutoScalingGroupName", req.name);
  form.add("LaunchTemplate.LaunchTemplateName", req.launch_template_name);
  form.add("LaunchTemplate.Version", "$Latest");
  form.add("MinSize", req.min_size).add("MaxSize", req.max_size);
  if (req.desired_capacity) form.add("DesiredCapacity", *req.desired_capacity);
  size_t n = 0;
  for (const auto& [k, v] : req.tags) {
    const std::string p = "Tags.member." + std::to_string(++n);
    form.add(p + ".Key", k).add(p + ".Value", v).add_bool(p + ".PropagateAtLaunch", true);
  }
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return {};
}

Status AutoScalingClient::delete_group(const std::string& name, bool force_delete) {
  QueryForm form("DeleteAutoScalingGroup", kVersion);
  form.add("AutoScalingGroupName", name).add_bool("ForceDelete", force_delete);
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return {};
}

Result<std::vector<AutoScalingGroup>> AutoScalingClient::describe_groups(const std::vector<std::string>& names) {
  std::vector<AutoScalingGroup> all;
  std::string token;
  std::set<std::string> seen_tokens;
  for (int page = 0; page < kMaxPages; ++page) {
    QueryForm form("DescribeAutoScalingGroups", kVersion);
    add_members(form, "AutoScalingGroupNames", names);
    if (!token.empty()) form.add("NextToken", token);
    form.add("MaxRecords", kPageSize);
    auto body = call(form.encode());
    if (!body.ok()) return body.error();
    auto groups = parse_describe_auto_scaling_groups(*body, &token);
    if (!groups.ok()) return groups.error();
    all.insert(all.end(), std::make_move_iterator(groups->begin()), std::make_move_iterator(groups->end()));
    if (token.empty()) return all;
    if (!seen_tokens.insert(token).second) {
      return make_error(ErrorKind::kRetry, "MalformedResponse",
                        "Auto Scaling returned the same NextToken twice: " + token);
    }
  }
  return make_error(ErrorKind::kRetry, "MalformedResponse", "Auto Scaling pagination did not end");
}

Status AutoScalingClient::set_desired_capacity(const std::string& name, int desired, bool honor_cooldown) {
  QueryForm form("SetDesiredCapacity", kVersion);
  form.add("AutoScalingGroupName", name).add("DesiredCapacity", desired).add_bool("HonorCooldown", honor_cooldown);
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return {};
}

Status AutoScalingClient::update_group(const UpdateAutoScalingGroupRequest& req) {
  QueryForm form("UpdateAutoScalingGroup", kVersion);
  form.add("AutoScalingGroupName", req.name);
  if (req.min_size) form.add("MinSize", *req.min_size);
  if (req.max_size) form.add("MaxSize", *req.max_size);
  if (req.desired_capacity) form.add("DesiredCapacity", *req.desired_capacity);
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return {};
}

Result<TerminateInAsgResult> AutoScalingClient::terminate_instance_in_group(const std::string& instance_id,
                                                                            bool should_decrement_desired_capacity) {
  QueryForm form("TerminateInstanceInAutoScalingGroup", kVersion);
  form.add("InstanceId", instance_id).add_bool("ShouldDecrementDesiredCapacity", should_decrement_desired_capacity);
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return parse_terminate_instance_in_asg(*body);
}

Status AutoScalingClient::put_notification_configuration(const std::string& group, const std::string& topic_arn,
                                                         const std::vector<std::string>& notification_types) {
  QueryForm form("PutNotificationConfiguration", kVersion);
  form.add("AutoScalingGroupName", group).add("TopicARN", topic_arn);
  add_members(form, "NotificationTypes", notification_types);
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return {};
}

}  // namespace ebbflow::aws
