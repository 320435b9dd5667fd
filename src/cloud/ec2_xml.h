// EC2 Query API replies in the wire format botocore parses (namespace 2016-11-15).
//
// Element names follow the locationNames of botocore's ec2 service model (instancesSet/item,
// instanceState/code, tagSet/item/key, ...). Pure string building, no I/O, so the shapes are
// unit-tested without a server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloud/model.h"

namespace ebbflow::cloud {

inline constexpr const char* kEc2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

std::string xml_escape(const std::string& s);
std::string iso8601(int64_t unix_seconds);  // "2024-05-01T12:00:00.000Z"

// <Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors><RequestID>..
std::string render_error(const std::string& code, const std::string& message, const std::string& request_id);

// <ActionResponse xmlns=...><requestId>..</requestId>BODY</ActionResponse>
std::string render_response(const std::string& action, const std::string& request_id, const std::string& body);

// One instancesSet <item> (RunInstances and DescribeInstances share the shape).
std::string render_instance_item(const Instance& inst, const std::string& region);

// A reservation's fields and its instancesSet (without the enclosing element).
std::string render_reservation_body(const std::string& reservation_id, const std::vector<const Instance*>& instances,
                                    const std::string& region);

struct StatusView {
  const Instance* instance = nullptr;
  std::string instance_status;  // ok | impaired | initializing | not-applicable
  std::string system_status;
  struct Event {
    std::string code, description;
    int64_t not_before = 0;
  };
  std::vector<Event> events;
  int64_t instance_impaired_since = 0;  // impaired: details/item/impairedSince (0: omitted)
  int64_t system_impaired_since = 0;
};
std::string render_status_item(const StatusView& s, const std::string& region);

std::string render_launch_template(const LaunchTemplate& lt);  // the fields inside <launchTemplate>

}  // namespace ebbflow::cloud
