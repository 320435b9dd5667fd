// EC2 Auto Scaling Query API replies in the wire format botocore parses (API 2011-01-01).
//
// Unlike EC2, Auto Scaling wraps results as <ActionResponse><ActionResult>...</ActionResult>
// <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></ActionResponse>, names
// elements in UpperCamelCase and lists as <Name><member>..</member></Name>; errors are
// <ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error>
// <RequestId>..</RequestId></ErrorResponse>. Pure string building, unit-tested without a server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloud/autoscaling_model.h"

namespace ebbflow::cloud {

// `result_body` empty: an action without output (no <ActionResult> element).
std::string render_asg_response(const std::string& action, const std::string& request_id,
                                const std::string& result_body = "");
std::string render_asg_error(const std::string& code, const std::string& message, const std::string& request_id,
                             bool sender_fault = true);

// One <member> of DescribeAutoScalingGroupsResult/AutoScalingGroups.
std::string render_asg_group(const AsgGroup& g, const std::string& region);

struct AsgActivity {
  std::string activity_id;
  std::string group_name;
  std::string group_arn;
  std::string description;
  std::string cause;
  int64_t start_time = 0;
  std::string status_code = "InProgress";
  int progress = 0;
  std::string details;  // a JSON string, as AWS puts it
};
std::string render_asg_activity(const AsgActivity& a);  // the fields inside <Activity>

struct AsgNotificationRow {
  std::string group_name, topic_arn, notification_type;
};
std::string render_notification_configurations(const std::vector<AsgNotificationRow>& rows,
                                               const std::string& next_token);

}  // namespace ebbflow::cloud
