#include "cloud/ec2_xml.h"

#include <ctime>

namespace ebbflow::cloud {

namespace {
std::string el(const std::string& name, const std::string& text) {
  return "<" + name + ">" + xml_escape(text) + "</" + name + ">";
}
std::string raw(const std::string& name, const std::string& inner) { return "<" + name + ">" + inner + "</" + name + ">"; }

std::string state_xml(const std::string& name, const std::string& state) {
  return raw(name, el("code", std::to_string(state_code(state))) + el("name", state));
}

std::string tag_set(const Tags& tags) {
  std::string items;
  for (const auto& [k, v] : tags) items += raw("item", el("key", k) + el("value", v));
  return raw("tagSet", items);
}

std::string summary_xml(const std::string& name, const std::string& status, int64_t impaired_since = 0) {
  std::string detail = status == "ok" ? "passed" : status == "impaired" ? "failed" : status;
  std::string since = status == "impaired" && impaired_since > 0 ? el("impairedSince", iso8601(impaired_since)) : "";
  std::string details = status == "not-applicable"
                            ? ""
                            : raw("details", raw("item", el("name", "reachability") + el("status", detail) + since));
  return raw(name, el("status", status) + details);
}
}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string iso8601(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

std::string render_error(const std::string& code, const std::string& message, const std::string& request_id) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>" + el("Code", code) +
         el("Message", message) + "</Error></Errors>" + el("RequestID", request_id) + "</Response>";
}

std::string render_response(const std::string& action, const std::string& request_id, const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + action + "Response xmlns=\"" + kEc2Namespace + "\">" +
         el("requestId", request_id) + body + "</" + action + "Response>";
}

std::string render_instance_item(const Instance& i, const std::string& region) {
  std::string x;
  x += el("instanceId", i.id);
  x += el("imageId", "ami-0ebbf10c10ca10000");
  x += state_xml("instanceState", i.state);
  bool gone = i.state == kTerminated;
  x += el("privateDnsName", gone ? "" : i.private_dns_name);
  x += el("dnsName", "");
  x += el("reason", i.state_reason.empty() ? "" : reason_message(i.state_reason));
  x += el("amiLaunchIndex", std::to_string(i.launch_index));
  x += el("instanceType", i.instance_type);
  x += el("launchTime", iso8601(i.launch_time));
  x += raw("placement", el("availabilityZone", region + "a") + el("tenancy", "default"));
  x += raw("monitoring", el("state", "disabled"));
  if (!gone) {
    x += el("privateIpAddress", i.private_ip);
    x += el("subnetId", "subnet-0ebbf10c10ca10000");
    x += el("vpcId", "vpc-0ebbf10c10ca10000");
  }
  x += el("architecture", "x86_64");
  x += el("rootDeviceType", "ebs");
  x += el("clientToken", i.client_token);
  x += el("hypervisor", "xen");
  x += el("virtualizationType", "hvm");
  if (!i.state_reason.empty()) {
    x += raw("stateReason", el("code", i.state_reason) + el("message", reason_message(i.state_reason)));
  }
  if (!i.tags.empty()) x += tag_set(i.tags);
  if (!gone) {
    std::string nic = el("networkInterfaceId", "eni-" + i.id.substr(2)) + el("status", "in-use") +
                      el("privateIpAddress", i.private_ip) + el("privateDnsName", i.private_dns_name) +
                      raw("attachment", el("deviceIndex", "0") + el("status", "attached")) +
                      raw("privateIpAddressesSet",
                          raw("item", el("privateIpAddress", i.private_ip) +
                                          el("privateDnsName", i.private_dns_name) + el("primary", "true")));
    x += raw("networkInterfaceSet", raw("item", nic));
  }
  return raw("item", x);
}

std::string render_reservation_body(const std::string& reservation_id, const std::vector<const Instance*>& instances,
                                    const std::string& region) {
  std::string items;
  for (const Instance* i : instances) items += render_instance_item(*i, region);
  return el("reservationId", reservation_id) + el("ownerId", "123456789012") + "<groupSet/>" +
         raw("instancesSet", items);
}

std::string render_status_item(const StatusView& s, const std::string& region) {
  std::string events;
  for (const auto& e : s.events) {
    events += raw("item", el("code", e.code) + el("description", e.description) +
                              el("notBefore", iso8601(e.not_before)));
  }
  return raw("item", el("instanceId", s.instance->id) + el("availabilityZone", region + "a") +
                         state_xml("instanceState", s.instance->state) +
                         summary_xml("instanceStatus", s.instance_status, s.instance_impaired_since) +
                         summary_xml("systemStatus", s.system_status, s.system_impaired_since) + raw("eventsSet", events));
}

std::string render_launch_template(const LaunchTemplate& lt) {
  return el("launchTemplateId", lt.id) + el("launchTemplateName", lt.name) + el("createTime", iso8601(lt.create_time)) +
         el("createdBy", "arn:aws:iam::123456789012:root") + el("defaultVersionNumber", "1") +
         el("latestVersionNumber", "1");
}

}  // namespace ebbflow::cloud
