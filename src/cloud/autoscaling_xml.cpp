#include "cloud/autoscaling_xml.h"

#include "cloud/ec2_xml.h"

namespace ebbflow::cloud {

namespace {

std::string el(const std::string& name, const std::string& text) {
  return "<" + name + ">" + xml_escape(text) + "</" + name + ">";
}
std::string raw(const std::string& name, const std::string& inner) { return "<" + name + ">" + inner + "</" + name + ">"; }
std::string num(const std::string& name, int64_t n) { return el(name, std::to_string(n)); }
std::string boolean(const std::string& name, bool b) { return el(name, b ? "true" : "false"); }

std::string launch_template_xml(const AsgGroup& g) {
  return raw("LaunchTemplate", el("LaunchTemplateId", g.launch_template_id) +
                                   el("LaunchTemplateName", g.launch_template_name) + el("Version", "$Latest"));
}

}  // namespace

std::string render_asg_response(const std::string& action, const std::string& request_id,
                                const std::string& result_body) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + action + "Response xmlns=\"" +
                    std::string(kAsgNamespace) + "\">";
  if (!result_body.empty()) out += raw(action + "Result", result_body);
  out += raw("ResponseMetadata", el("RequestId", request_id));
  return out + "</" + action + "Response>";
}

std::string render_asg_error(const std::string& code, const std::string& message, const std::string& request_id,
                             bool sender_fault) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"" + std::string(kAsgNamespace) + "\">" +
         raw("Error", el("Type", sender_fault ? "Sender" : "Receiver") + el("Code", code) + el("Message", message)) +
         el("RequestId", request_id) + "</ErrorResponse>";
}

std::string render_asg_group(const AsgGroup& g, const std::string& region) {
  const std::string az = region + "a";
  std::string instances;
  for (const auto& m : g.members) {
    instances += raw("member", el("InstanceId", m.instance_id) + el("InstanceType", m.instance_type) +
                                   el("AvailabilityZone", az) + el("LifecycleState", m.lifecycle_state) +
                                   el("HealthStatus", "Healthy") + launch_template_xml(g) +
                                   boolean("ProtectedFromScaleIn", false));
  }
  std::string tags;
  for (const auto& [k, t] : g.tags) {
    tags += raw("member", el("ResourceId", g.name) + el("ResourceType", "auto-scaling-group") + el("Key", k) +
                              el("Value", t.value) + boolean("PropagateAtLaunch", t.propagate_at_launch));
  }
  std::string out = el("AutoScalingGroupName", g.name) + el("AutoScalingGroupARN", g.arn) + launch_template_xml(g) +
                    num("MinSize", g.min_size) + num("MaxSize", g.max_size) +
                    num("DesiredCapacity", g.desired_capacity) + num("DefaultCooldown", 300) +
                    raw("AvailabilityZones", raw("member", xml_escape(az))) + "<LoadBalancerNames/>" +
                    "<TargetGroupARNs/>" + el("HealthCheckType", "EC2") + num("HealthCheckGracePeriod", 300) +
                    raw("Instances", instances) + el("CreatedTime", iso8601(g.created_time)) +
                    "<SuspendedProcesses/>" + el("VPCZoneIdentifier", "") + "<EnabledMetrics/>" +
                    (g.deleting ? el("Status", "Delete in progress") : "") + raw("Tags", tags) +
                    raw("TerminationPolicies", raw("member", "Default")) +
                    boolean("NewInstancesProtectedFromScaleIn", false) +
                    el("ServiceLinkedRoleARN", "arn:aws:iam::" + std::string(kAsgAccountId) +
                                                   ":role/aws-service-role/autoscaling.amazonaws.com/"
                                                   "AWSServiceRoleForAutoScaling") +
                    boolean("CapacityRebalance", false);
  return raw("member", out);
}

std::string render_asg_activity(const AsgActivity& a) {
  return el("ActivityId", a.activity_id) + el("AutoScalingGroupName", a.group_name) +
         el("Description", a.description) + el("Cause", a.cause) + el("StartTime", iso8601(a.start_time)) +
         el("StatusCode", a.status_code) + num("Progress", a.progress) + el("Details", a.details) +
         el("AutoScalingGroupARN", a.group_arn);
}

std::string render_notification_configurations(const std::vector<AsgNotificationRow>& rows,
                                               const std::string& next_token) {
  std::string items;
  for (const auto& r : rows) {
    items += raw("member", el("AutoScalingGroupName", r.group_name) + el("TopicARN", r.topic_arn) +
                               el("NotificationType", r.notification_type));
  }
  std::string out = raw("NotificationConfigurations", items);
  if (!next_token.empty()) out += el("NextToken", next_token);
  return out;
}

}  // namespace ebbflow::cloud
