// Parsers for the EC2 Query XML replies (API 2016-11-15) and the error table of ec2.h.
// Replies are parsed with pugixml in one pass over the buffer; values are read straight from
// the DOM (no intermediate copies), because DescribeInstances of a large cluster is big.
#include <pugixml.hpp>

#include <algorithm>
#include <cstring>

#include "aws/aws_client.h"
#include "aws/ec2.h"
#include "aws/xml_util.h"

namespace ebbflow::aws {
namespace {

using xml::str;
using xml::text;

Error malformed(const std::string& what) {
  return make_error(ErrorKind::kRetry, "MalformedResponse", "EC2 reply could not be parsed: " + what);
}

Result<pugi::xml_node> load(pugi::xml_document& doc, const std::string& body, const char* root_name) {
  pugi::xml_parse_result ok = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!ok)
    return malformed(std::string(ok.description()) + " at offset " + std::to_string(ok.offset));
  pugi::xml_node root = doc.document_element();
  if (std::strcmp(root.name(), root_name) != 0)
    return malformed(std::string("expected <") + root_name + ">, got <" + root.name() + ">");
  return root;
}

int64_t time_of(pugi::xml_node node, const char* name) {
  std::string_view t = text(node, name);
  if (t.empty()) return 0;
  return xml::parse_iso8601(t).value_or(0);
}

void add_ip(std::vector<std::string>& ips, std::string_view ip) {
  if (ip.empty()) return;
  if (std::find(ips.begin(), ips.end(), ip) == ips.end()) ips.emplace_back(ip);
}

Ec2Instance parse_instance(pugi::xml_node item) {
  Ec2Instance inst;
  inst.instance_id = str(item, "instanceId");
  inst.instance_type = str(item, "instanceType");
  inst.state = str(item.child("instanceState"), "name");
  inst.private_dns_name = str(item, "privateDnsName");
  inst.launch_time = time_of(item, "launchTime");
  inst.client_token = str(item, "clientToken");
  inst.state_reason = str(item.child("stateReason"), "message");
  for (pugi::xml_node tag : item.child("tagSet").children("item")) {
    std::string key = str(tag, "key");
    if (key == "aws:ec2launchtemplate:name") inst.launch_template_name = str(tag, "value");
    inst.tags.insert_or_assign(std::move(key), str(tag, "value"));
  }

  std::string_view top_ip = text(item, "privateIpAddress");
  add_ip(inst.all_private_ips, top_ip);
  std::string_view primary_nic_ip;
  for (pugi::xml_node nic : item.child("networkInterfaceSet").children("item")) {
    std::string_view nic_ip = text(nic, "privateIpAddress");
    for (pugi::xml_node addr : nic.child("privateIpAddressesSet").children("item")) {
      std::string_view ip = text(addr, "privateIpAddress");
      if (nic_ip.empty() && text(addr, "primary") == "true") nic_ip = ip;
      add_ip(inst.all_private_ips, ip);
    }
    add_ip(inst.all_private_ips, nic_ip);
    if (text(nic.child("attachment"), "deviceIndex") == "0") primary_nic_ip = nic_ip;
  }
  inst.private_ip = std::string(primary_nic_ip.empty() ? top_ip : primary_nic_ip);
  return inst;
}

InstanceStatusSummary parse_summary(pugi::xml_node node) {
  InstanceStatusSummary s;
  s.status = str(node, "status");
  for (pugi::xml_node d : node.child("details").children("item"))
    s.details.push_back({str(d, "name"), str(d, "status"), time_of(d, "impairedSince")});
  return s;
}

bool is_backoff_code(const std::string& code) {
  static const char* const kCapacity[] = {
      "InsufficientInstanceCapacity", "InsufficientHostCapacity", "InsufficientReservedInstanceCapacity",
      "MaxSpotInstanceCountExceeded", "InstanceLimitExceeded",   "VcpuLimitExceeded",
      "SpotMaxPriceTooLow"};
  return is_throttling_code(code) ||
         std::any_of(std::begin(kCapacity), std::end(kCapacity), [&](const char* c) { return code == c; });
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Result<std::vector<Ec2Instance>> parse_describe_instances(const std::string& body, std::string* next_token) {
  pugi::xml_document doc;
  auto root = load(doc, body, "DescribeInstancesResponse");
  if (!root.ok()) return root.error();
  std::vector<Ec2Instance> out;
  for (pugi::xml_node res : root->child("reservationSet").children("item"))
    for (pugi::xml_node item : res.child("instancesSet").children("item")) out.push_back(parse_instance(item));
  for (const auto& i : out)
    if (i.instance_id.empty()) return malformed("an instance without instanceId in DescribeInstances");
  if (next_token) *next_token = str(*root, "nextToken");
  return out;
}

Result<std::vector<Ec2Instance>> parse_run_instances(const std::string& body) {
  pugi::xml_document doc;
  auto root = load(doc, body, "RunInstancesResponse");
  if (!root.ok()) return root.error();
  std::vector<Ec2Instance> out;
  for (pugi::xml_node item : root->child("instancesSet").children("item")) out.push_back(parse_instance(item));
  if (out.empty()) return malformed("RunInstances reply lists no instances");
  for (const auto& i : out)
    if (i.instance_id.empty()) return malformed("an instance without instanceId in RunInstances");
  return out;
}

Result<std::vector<InstanceStatus>> parse_describe_instance_status(const std::string& body, std::string* next_token) {
  pugi::xml_document doc;
  auto root = load(doc, body, "DescribeInstanceStatusResponse");
  if (!root.ok()) return root.error();
  std::vector<InstanceStatus> out;
  for (pugi::xml_node item : root->child("instanceStatusSet").children("item")) {
    InstanceStatus s;
    s.instance_id = str(item, "instanceId");
    if (s.instance_id.empty()) return malformed("an instance status without instanceId");
    s.state = str(item.child("instanceState"), "name");
    s.instance_status = parse_summary(item.child("instanceStatus"));
    s.system_status = parse_summary(item.child("systemStatus"));
    for (pugi::xml_node e : item.child("eventsSet").children("item"))
      s.events.push_back({str(e, "code"), str(e, "description"), time_of(e, "notBefore")});
    out.push_back(std::move(s));
  }
  if (next_token) *next_token = str(*root, "nextToken");
  return out;
}

Result<std::vector<InstanceStateChange>> parse_terminate_instances(const std::string& body) {
  pugi::xml_document doc;
  auto root = load(doc, body, "TerminateInstancesResponse");
  if (!root.ok()) return root.error();
  std::vector<InstanceStateChange> out;
  for (pugi::xml_node item : root->child("instancesSet").children("item"))
    out.push_back({str(item, "instanceId"), str(item.child("previousState"), "name"),
                   str(item.child("currentState"), "name")});
  return out;
}

Error parse_ec2_error(int http_status, const std::string& body) {
  std::string code, message, request_id;
  pugi::xml_document doc;
  if (doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8)) {
    pugi::xml_node root = doc.document_element();  // <Response>
    pugi::xml_node err = root.child("Errors").child("Error");
    if (!err) err = root.child("Error");  // some front ends answer <ErrorResponse><Error>
    code = str(err, "Code");
    message = str(err, "Message");
    request_id = str(root, "RequestID");
    if (request_id.empty()) request_id = str(root, "RequestId");
  }
  if (code.empty()) {
    code = "Http" + std::to_string(http_status);
    message = "HTTP " + std::to_string(http_status) + " without an EC2 error document: " + body.substr(0, 200);
  }
  if (!request_id.empty()) message += " (request " + request_id + ")";

  ErrorKind kind;
  if (is_backoff_code(code)) {
    kind = ErrorKind::kBackOff;
  } else if (http_status >= 500 || code == "InternalError" || code == "ServiceUnavailable" || code == "Unavailable") {
    kind = ErrorKind::kRetry;
  } else if (ends_with(code, ".NotFound") || ends_with(code, ".NotFoundException")) {
    // InvalidInstanceID.NotFound, InvalidLaunchTemplateName.NotFoundException, and their kin.
    kind = ErrorKind::kNotFound;
  } else {
    kind = ErrorKind::kGiveUp;
  }
  return make_error(kind, std::move(code), std::move(message));
}

}  // namespace ebbflow::aws
