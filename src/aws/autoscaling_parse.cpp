// Parsers for the Auto Scaling Query XML replies (API 2011-01-01) and its error table (see
// autoscaling.h). Replies are small (a group per member), so each is loaded as one DOM.
#include <pugixml.hpp>

#include <cstring>

#include "aws/autoscaling.h"
#include "aws/aws_client.h"
#include "aws/xml_util.h"

namespace ebbflow::aws {
namespace {

using xml::str;
using xml::text;

Error malformed(const std::string& what) {
  return make_error(ErrorKind::kRetry, "MalformedResponse", "Auto Scaling reply could not be parsed: " + what);
}

// The <ActionResult> element of an <ActionResponse> document.
Result<pugi::xml_node> load_result(pugi::xml_document& doc, const std::string& body, const std::string& action) {
  pugi::xml_parse_result ok = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!ok) return malformed(std::string(ok.description()) + " at offset " + std::to_string(ok.offset));
  pugi::xml_node root = doc.document_element();
  const std::string want = action + "Response";
  if (want != root.name()) return malformed("expected <" + want + ">, got <" + root.name() + ">");
  pugi::xml_node result = root.child((action + "Result").c_str());
  if (!result) return malformed("<" + want + "> has no <" + action + "Result>");
  return result;
}

Result<int> integer(pugi::xml_node node, const char* name) {
  std::string_view t = text(node, name);
  if (t.empty()) return malformed(std::string("missing <") + name + ">");
  try {
    size_t used = 0;
    int v = std::stoi(std::string(t), &used);
    if (used != t.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    return malformed(std::string("<") + name + "> is not an integer: " + std::string(t));
  }
}

Result<AutoScalingGroup> parse_group(pugi::xml_node m) {
  AutoScalingGroup g;
  g.name = str(m, "AutoScalingGroupName");
  if (g.name.empty()) return malformed("a group without AutoScalingGroupName");
  g.arn = str(m, "AutoScalingGroupARN");
  auto min = integer(m, "MinSize");
  auto max = integer(m, "MaxSize");
  auto desired = integer(m, "DesiredCapacity");
  if (!min.ok()) return min.error();
  if (!max.ok()) return max.error();
  if (!desired.ok()) return desired.error();
  g.min_size = *min;
  g.max_size = *max;
  g.desired_capacity = *desired;
  g.launch_template_name = str(m.child("LaunchTemplate"), "LaunchTemplateName");
  if (g.launch_template_name.empty()) {
    g.launch_template_name = str(m.child("MixedInstancesPolicy").child("LaunchTemplate").child(
                                     "LaunchTemplateSpecification"),
                                 "LaunchTemplateName");
  }
  for (pugi::xml_node i : m.child("Instances").children("member")) {
    AsgInstance inst;
    inst.instance_id = str(i, "InstanceId");
    if (inst.instance_id.empty()) return malformed("a group instance without InstanceId in " + g.name);
    inst.instance_type = str(i, "InstanceType");
    inst.lifecycle_state = str(i, "LifecycleState");
    inst.health_status = str(i, "HealthStatus");
    inst.launch_template_name = str(i.child("LaunchTemplate"), "LaunchTemplateName");
    g.instances.push_back(std::move(inst));
  }
  for (pugi::xml_node t : m.child("Tags").children("member")) g.tags[str(t, "Key")] = str(t, "Value");
  g.created_time = xml::parse_iso8601(text(m, "CreatedTime")).value_or(0);
  return g;
}

}  // namespace

Result<std::vector<AutoScalingGroup>> parse_describe_auto_scaling_groups(const std::string& xml,
                                                                         std::string* next_token) {
  pugi::xml_document doc;
  auto result = load_result(doc, xml, "DescribeAutoScalingGroups");
  if (!result.ok()) return result.error();
  std::vector<AutoScalingGroup> out;
  for (pugi::xml_node m : result->child("AutoScalingGroups").children("member")) {
    auto g = parse_group(m);
    if (!g.ok()) return g.error();
    out.push_back(std::move(*g));
  }
  if (next_token) *next_token = str(*result, "NextToken");
  return out;
}

Result<TerminateInAsgResult> parse_terminate_instance_in_asg(const std::string& xml) {
  pugi::xml_document doc;
  auto result = load_result(doc, xml, "TerminateInstanceInAutoScalingGroup");
  if (!result.ok()) return result.error();
  pugi::xml_node a = result->child("Activity");
  TerminateInAsgResult out{str(a, "ActivityId"), str(a, "Description")};
  if (out.activity_id.empty()) return malformed("TerminateInstanceInAutoScalingGroup reply has no ActivityId");
  return out;
}

Error parse_autoscaling_error(int http_status, const std::string& body) {
  std::string code, message, request_id;
  pugi::xml_document doc;
  if (doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8)) {
    pugi::xml_node root = doc.document_element();  // <ErrorResponse>
    pugi::xml_node err = root.child("Error");
    if (!err) err = root.child("Errors").child("Error");  // EC2-style front ends
    code = str(err, "Code");
    message = str(err, "Message");
    request_id = str(root, "RequestId");
    if (request_id.empty()) request_id = str(root, "RequestID");
  }
  if (code.empty()) {
    code = "Http" + std::to_string(http_status);
    message = "HTTP " + std::to_string(http_status) + " without an Auto Scaling error document: " + body.substr(0, 200);
  }
  message = message_or_stand_in(std::move(message), http_status);  // <Code> without <Message>
  ErrorKind kind;
  if (is_throttling_code(code)) {
    kind = ErrorKind::kBackOff;
  } else if (http_status >= 500 || code == "InternalFailure" || code == "ServiceUnavailable" ||
             code == "ResourceContention") {
    kind = ErrorKind::kRetry;
  } else if (code == "ValidationError" && message.find("AutoScalingGroup name not found") != std::string::npos) {
    kind = ErrorKind::kNotFound;
  } else if (code == "ValidationError") {
    kind = ErrorKind::kInvalidInput;
  } else {
    kind = ErrorKind::kGiveUp;  // AlreadyExists, ResourceInUse, auth failures, ...
  }
  if (!request_id.empty()) message += " (request " + request_id + ")";
  return make_error(kind, std::move(code), std::move(message));
}

}  // namespace ebbflow::aws
