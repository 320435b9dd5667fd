// Fuzzes the EC2 Query XML reply parsers (aws::parse_describe_instances, parse_run_instances,
// parse_describe_instance_status, parse_terminate_instances, parse_create_fleet,
// parse_ec2_error): every input goes through all six, so one corpus of EC2 replies exercises
// them all.
//
// Properties: failures carry a code and message and are kRetry "MalformedResponse" (a bad reply
// is retried, never mistaken for "no instances"); every instance and status has an id (a fleet's
// instance ids are never empty); every IP
// of an instance is listed in all_private_ips. parse_describe_instances parses large replies
// chunk by chunk (one <instancesSet> at a time, not one DOM); here its instance ids are compared
// with a plain DOM walk of the same reply, so the fast path can never see different instances
// than the document holds, nor accept a reply that is not well formed (docs/reliability.md,
// finding 6); its whole result is also compared with parse_describe_instances_whole_document.
// parse_ec2_error always returns a code and a message, for any status and body.
#include <pugixml.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "aws/ec2.h"
#include "fuzz_check.h"

using namespace ebbflow;

namespace {

template <class T>
void check_failure(const Result<T>& r, const char* parser) {
  if (r.ok()) return;
  fuzz::check_error(r.error(), parser);
  FUZZ_CHECK(r.error().kind == ErrorKind::kRetry && r.error().code == "MalformedResponse",
             std::string(parser) + ": unexpected error " + r.error().describe());
}

void check_instances(const std::vector<aws::Ec2Instance>& v, const char* parser) {
  for (const auto& i : v) {
    FUZZ_CHECK(!i.instance_id.empty(), std::string(parser) + ": instance without an id");
    if (!i.private_ip.empty())
      FUZZ_CHECK(std::find(i.all_private_ips.begin(), i.all_private_ips.end(), i.private_ip) != i.all_private_ips.end(),
                 std::string(parser) + ": private_ip missing from all_private_ips for " + i.instance_id);
  }
}

// The reference reading of DescribeInstances: the whole document as one DOM, or nothing. An
// instance reads its fields in one pass over its children, so of two <instanceId>s the last
// counts (a 60 s run found such a reply: a reference that took the first one disagreed).
bool dom_instance_ids(const std::string& body, std::vector<std::string>& ids) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8)) return false;
  pugi::xml_node root = doc.document_element();
  if (std::string(root.name()) != "DescribeInstancesResponse") return false;
  for (pugi::xml_node res : root.child("reservationSet").children("item"))
    for (pugi::xml_node item : res.child("instancesSet").children("item")) {
      std::string id;
      for (pugi::xml_node c : item.children("instanceId")) id = c.child_value();
      ids.push_back(std::move(id));
    }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);

  std::string next_token;
  auto described = aws::parse_describe_instances(body, &next_token);
  check_failure(described, "parse_describe_instances");
  std::vector<std::string> dom_ids;
  bool dom_ok = dom_instance_ids(body, dom_ids);
  if (described.ok()) {
    check_instances(*described, "parse_describe_instances");
    FUZZ_CHECK(dom_ok, "parse_describe_instances accepted a reply that is not a well-formed document");
    std::vector<std::string> ids;
    for (const auto& i : *described) ids.push_back(i.instance_id);
    FUZZ_CHECK(ids == dom_ids, "fast path saw " + std::to_string(ids.size()) + " instances, the DOM " +
                                   std::to_string(dom_ids.size()));
  } else if (dom_ok) {
    // The DOM reads the reply; a rejection must then be an instance without an id.
    FUZZ_CHECK(std::find(dom_ids.begin(), dom_ids.end(), "") != dom_ids.end(),
               "parse_describe_instances rejected a well-formed reply: " + described.error().message);
  }
  // And the library's own whole-document reading agrees in every field and in the error.
  std::string whole_token;
  auto whole = aws::parse_describe_instances_whole_document(body, &whole_token);
  FUZZ_CHECK(described.ok() == whole.ok(), "parse_describe_instances and the whole-document parse disagree on ok");
  if (described.ok()) {
    FUZZ_CHECK(next_token == whole_token, "next token differs from the whole-document parse");
    FUZZ_CHECK(described->size() == whole->size(), "instance count differs from the whole-document parse");
    for (size_t i = 0; i < described->size(); ++i) {
      const aws::Ec2Instance& a = (*described)[i];
      const aws::Ec2Instance& b = (*whole)[i];
      FUZZ_CHECK(a.instance_id == b.instance_id && a.instance_type == b.instance_type && a.state == b.state &&
                     a.private_ip == b.private_ip && a.all_private_ips == b.all_private_ips &&
                     a.private_dns_name == b.private_dns_name && a.launch_time == b.launch_time &&
                     a.tags == b.tags && a.state_reason == b.state_reason && a.client_token == b.client_token &&
                     a.launch_template_name == b.launch_template_name,
                 "instance " + a.instance_id + " differs from the whole-document parse");
    }
  } else {
    FUZZ_CHECK(described.error().message == whole.error().message,
               "error differs from the whole-document parse: " + described.error().message + " / " +
                   whole.error().message);
  }

  auto run = aws::parse_run_instances(body);
  check_failure(run, "parse_run_instances");
  if (run.ok()) {
    FUZZ_CHECK(!run->empty(), "RunInstances ok with no instances");
    check_instances(*run, "parse_run_instances");
  }

  auto status = aws::parse_describe_instance_status(body, &next_token);
  check_failure(status, "parse_describe_instance_status");
  if (status.ok())
    for (const auto& s : *status) FUZZ_CHECK(!s.instance_id.empty(), "status without an instance id");

  auto terminated = aws::parse_terminate_instances(body);
  check_failure(terminated, "parse_terminate_instances");

  auto fleet = aws::parse_create_fleet(body);
  check_failure(fleet, "parse_create_fleet");
  if (fleet.ok())
    for (const auto& id : fleet->instance_ids()) FUZZ_CHECK(!id.empty(), "parse_create_fleet: empty instance id");

  // The status code comes from the input too, so every branch of the error table is reachable.
  int http_status = size > 0 ? 400 + data[0] % 200 : 400;
  Error e = aws::parse_ec2_error(http_status, body);
  fuzz::check_error_reply(e, "parse_ec2_error");
  if (http_status >= 500) FUZZ_CHECK(e.kind == ErrorKind::kRetry || e.kind == ErrorKind::kBackOff, "5xx not retried");
  return 0;
}
