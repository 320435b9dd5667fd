// Parsers for the EC2 Query XML replies (API 2016-11-15) and the error table of ec2.h.
// Replies are parsed with pugixml in one pass over the buffer; values are read straight from
// the DOM (no intermediate copies), because DescribeInstances of a large cluster is big.
#include <pugixml.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>

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

// One pass over the instance's children (an instance item has ~40 of them): cheaper than a
// child(name) scan per field when a reply carries tens of thousands of instances. Of a field
// given twice (EC2 never does), the last one counts.
Ec2Instance parse_instance(pugi::xml_node item) {
  Ec2Instance inst;
  std::string_view top_ip, primary_nic_ip;
  pugi::xml_node nics;
  for (pugi::xml_node c = item.first_child(); c; c = c.next_sibling()) {
    const char* n = c.name();
    switch (n[0]) {
      case 'i':
        if (std::strcmp(n, "instanceId") == 0) inst.instance_id = c.child_value();
        else if (std::strcmp(n, "instanceType") == 0) inst.instance_type = c.child_value();
        else if (std::strcmp(n, "instanceState") == 0) inst.state = str(c, "name");
        break;
      case 'p':
        if (std::strcmp(n, "privateIpAddress") == 0) top_ip = c.child_value();
        else if (std::strcmp(n, "privateDnsName") == 0) inst.private_dns_name = c.child_value();
        break;
      case 'l':
        if (std::strcmp(n, "launchTime") == 0) inst.launch_time = xml::parse_iso8601(c.child_value()).value_or(0);
        break;
      case 'c':
        if (std::strcmp(n, "clientToken") == 0) inst.client_token = c.child_value();
        break;
      case 's':
        if (std::strcmp(n, "stateReason") == 0) inst.state_reason = str(c, "message");
        break;
      case 't':
        if (std::strcmp(n, "tagSet") == 0)
          for (pugi::xml_node tag : c.children("item")) {
            std::string key = str(tag, "key");
            if (key == "aws:ec2launchtemplate:name") inst.launch_template_name = str(tag, "value");
            inst.tags.insert_or_assign(std::move(key), str(tag, "value"));
          }
        break;
      case 'n':
        if (std::strcmp(n, "networkInterfaceSet") == 0) nics = c;
        break;
      default:
        break;
    }
  }

  add_ip(inst.all_private_ips, top_ip);
  for (pugi::xml_node nic : nics.children("item")) {
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

namespace {

size_t find(std::string_view hay, size_t from, std::string_view needle) {
  if (from >= hay.size()) return std::string_view::npos;
  const void* hit = memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
  return hit ? static_cast<size_t>(static_cast<const char*>(hit) - hay.data()) : std::string_view::npos;
}

// The reservations' instances as the DOM holds them: reservationSet (the first) > item >
// instancesSet (the first) > item.
template <class Visit>
void for_each_instances_set(pugi::xml_node root, Visit&& visit) {
  for (pugi::xml_node res : root.child("reservationSet").children("item")) visit(res.child("instancesSet"));
}

Result<std::vector<Ec2Instance>> finish(std::vector<Ec2Instance> out, pugi::xml_node root, std::string* next_token) {
  for (const auto& i : out)
    if (i.instance_id.empty()) return malformed("an instance without instanceId in DescribeInstances");
  if (next_token) *next_token = str(root, "nextToken");
  return out;
}

// One <instancesSet>...</instancesSet> of the reply, found by text search.
struct InstancesSetText {
  size_t open = 0;          // offset of "<instancesSet>" in the reply
  size_t close = 0;         // offset of the first "</instancesSet>" after it
  size_t envelope_name = 0; // offset of the element's name ("instancesSet") in the envelope
};

// A large reply is not loaded as one DOM: for 56,000 instances that is hundreds of MB of text and
// a gigabyte of scattered nodes. Instead:
//  1. every "<instancesSet>" ... first following "</instancesSet>" in the text is one instance
//     set (EC2 nests nothing called instancesSet inside one);
//  2. the envelope, the reply with only those bodies removed (root, nextToken, the reservation
//     shells with an empty <instancesSet></instancesSet> each), is parsed as a document;
//  3. each set, tags included, is parsed as a document of its own into a reused pugi document
//     that stays in cache, and the instances are read from it.
// The answer is the whole-document parse's exactly when: the envelope parses, every cut is an
// <instancesSet> element of the envelope (checked by its offset, so a "<instancesSet>" inside a
// comment, CDATA or attribute value is noticed), every instancesSet the DOM walk reaches is one of
// the cuts, and every set parses. Then the reply is the envelope with well-formed element content
// put back into empty elements, which is what the whole-document parse sees. Anything else
// (including any malformed reply) returns nullopt, and the caller parses the whole reply, which
// also gives the precise error.
std::optional<Result<std::vector<Ec2Instance>>> parse_describe_instances_by_set(std::string_view body,
                                                                                std::string* next_token) {
  constexpr std::string_view kOpen = "<instancesSet>", kClose = "</instancesSet>";
  std::vector<InstancesSetText> sets;
  std::string envelope;
  size_t copied = 0;  // the reply up to here is in the envelope, bodies left out
  for (size_t pos = 0;;) {
    size_t open = find(body, pos, kOpen);
    if (open == std::string_view::npos) break;
    size_t close = find(body, open + kOpen.size(), kClose);
    if (close == std::string_view::npos) return std::nullopt;
    if (sets.empty()) envelope.reserve(body.size() / 64 + 256);
    envelope.append(body.substr(copied, open + kOpen.size() - copied));
    sets.push_back({open, close, envelope.size() - kOpen.size() + 1});
    copied = close;
    pos = close + kClose.size();
  }
  if (sets.empty()) return std::nullopt;  // nothing to split: small reply
  envelope.append(body.substr(copied));

  pugi::xml_document doc;
  if (!doc.load_buffer(envelope.data(), envelope.size(), pugi::parse_default, pugi::encoding_utf8))
    return std::nullopt;
  pugi::xml_node root = doc.document_element();
  if (std::strcmp(root.name(), "DescribeInstancesResponse") != 0) return std::nullopt;

  // Every cut must be an instancesSet element of the envelope: walk the whole envelope (it is
  // small; from the document node, in case of elements after the root) in document order, which
  // is offset order, as the cuts are.
  size_t verified = 0;
  for (pugi::xml_node n = doc.first_child(); n;) {
    if (verified < sets.size() && n.type() == pugi::node_element && std::strcmp(n.name(), "instancesSet") == 0 &&
        n.offset_debug() == static_cast<ptrdiff_t>(sets[verified].envelope_name))
      ++verified;
    if (pugi::xml_node child = n.first_child()) {
      n = child;
      continue;
    }
    while (n && !n.next_sibling()) n = n.parent();  // the document node has no siblings: ends there
    if (n) n = n.next_sibling();
  }
  if (verified != sets.size()) return std::nullopt;

  // The sets whose instances the DOM walk reads, in its order (document order too).
  std::vector<bool> used(sets.size(), false);
  bool all_cut = true;
  size_t next = 0;
  for_each_instances_set(root, [&](pugi::xml_node set) {
    if (!all_cut || !set) return;
    ptrdiff_t at = set.offset_debug();
    while (next < sets.size() && static_cast<ptrdiff_t>(sets[next].envelope_name) < at) ++next;
    if (next < sets.size() && static_cast<ptrdiff_t>(sets[next].envelope_name) == at) used[next++] = true;
    else all_cut = false;  // e.g. <instancesSet/>: its items (if any) are in the envelope
  });
  if (!all_cut) return std::nullopt;

  std::vector<Ec2Instance> out;
  pugi::xml_document chunk;
  for (size_t i = 0; i < sets.size(); ++i) {
    std::string_view text = body.substr(sets[i].open, sets[i].close + kClose.size() - sets[i].open);
    if (!chunk.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8)) return std::nullopt;
    // One element spanning the text: "<instancesSet>a</instancesSet ><instancesSet>b</instancesSet>"
    // would parse too, as two sibling elements.
    if (chunk.first_child() != chunk.last_child()) return std::nullopt;
    if (used[i])
      for (pugi::xml_node item : chunk.document_element().children("item")) out.push_back(parse_instance(item));
  }
  return finish(std::move(out), root, next_token);
}

}  // namespace

Result<std::vector<Ec2Instance>> parse_describe_instances_whole_document(const std::string& body,
                                                                         std::string* next_token) {
  pugi::xml_document doc;
  auto root = load(doc, body, "DescribeInstancesResponse");
  if (!root.ok()) return root.error();
  std::vector<Ec2Instance> out;
  for_each_instances_set(*root, [&](pugi::xml_node set) {
    for (pugi::xml_node item : set.children("item")) out.push_back(parse_instance(item));
  });
  return finish(std::move(out), *root, next_token);
}

Result<std::vector<Ec2Instance>> parse_describe_instances(const std::string& body, std::string* next_token) {
  if (auto by_set = parse_describe_instances_by_set(body, next_token)) return std::move(*by_set);
  return parse_describe_instances_whole_document(body, next_token);
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

namespace {

// <launchTemplateAndOverrides><launchTemplateSpecification>...</><overrides>...</></>
FleetLaunchTarget parse_launch_target(pugi::xml_node node) {
  FleetLaunchTarget t;
  pugi::xml_node spec = node.child("launchTemplateSpecification");
  t.launch_template_name = str(spec, "launchTemplateName");
  t.launch_template_id = str(spec, "launchTemplateId");
  t.version = str(spec, "version");
  pugi::xml_node o = node.child("overrides");
  t.overrides.instance_type = str(o, "instanceType");
  t.overrides.subnet_id = str(o, "subnetId");
  t.overrides.max_price = str(o, "maxPrice");
  if (pugi::xml_node p = o.child("priority")) t.overrides.priority = p.text().as_double();
  return t;
}

}  // namespace

Result<CreateFleetResult> parse_create_fleet(const std::string& body) {
  pugi::xml_document doc;
  auto root = load(doc, body, "CreateFleetResponse");
  if (!root.ok()) return root.error();
  CreateFleetResult r;
  r.fleet_id = str(*root, "fleetId");
  for (pugi::xml_node item : root->child("fleetInstanceSet").children("item")) {
    FleetInstanceSet set;
    for (pugi::xml_node id : item.child("instanceIds").children("item")) set.instance_ids.emplace_back(id.child_value());
    if (std::any_of(set.instance_ids.begin(), set.instance_ids.end(), [](const auto& id) { return id.empty(); }))
      return malformed("an empty instance id in CreateFleet's fleetInstanceSet");
    set.instance_type = str(item, "instanceType");
    set.lifecycle = str(item, "lifecycle");
    set.launch_target = parse_launch_target(item.child("launchTemplateAndOverrides"));
    r.instances.push_back(std::move(set));
  }
  for (pugi::xml_node item : root->child("errorSet").children("item")) {
    FleetError e;
    e.code = str(item, "errorCode");
    e.message = str(item, "errorMessage");
    e.lifecycle = str(item, "lifecycle");
    e.launch_target = parse_launch_target(item.child("launchTemplateAndOverrides"));
    r.errors.push_back(std::move(e));
  }
  return r;
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
  message = message_or_stand_in(std::move(message), http_status);  // <Code> without <Message>
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
