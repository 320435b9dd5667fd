// The local cloud's Auto Scaling data model: groups, their members and notification targets.
//
// Plain values shared by the Auto Scaling service (autoscaling_service.h), its XML renderer and
// its store. A group is persisted whole as one JSON document (to_json / group_from_json), so a
// restarted server keeps its groups, their members and their notification configurations.
// Times are Unix seconds.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace ebbflow::cloud {

inline constexpr const char* kAsgNamespace = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
inline constexpr const char* kAsgAccountId = "000000000000";

// Member lifecycle states (the subset of AWS's that the local cloud uses).
inline constexpr const char* kAsgPending = "Pending";
inline constexpr const char* kAsgInService = "InService";
inline constexpr const char* kAsgTerminating = "Terminating";

// Notification types.
inline constexpr const char* kAsgLaunch = "autoscaling:EC2_INSTANCE_LAUNCH";
inline constexpr const char* kAsgLaunchError = "autoscaling:EC2_INSTANCE_LAUNCH_ERROR";
inline constexpr const char* kAsgTerminate = "autoscaling:EC2_INSTANCE_TERMINATE";
inline constexpr const char* kAsgTerminateError = "autoscaling:EC2_INSTANCE_TERMINATE_ERROR";
inline constexpr const char* kAsgTestNotification = "autoscaling:TEST_NOTIFICATION";

struct AsgTag {
  std::string value;
  bool propagate_at_launch = false;
};

struct AsgMember {
  std::string instance_id;
  std::string instance_type;
  std::string lifecycle_state = kAsgPending;
  int64_t launched_at = 0;
  int64_t sequence = 0;  // launch order within the group (ties of launched_at)
};

struct AsgGroup {
  std::string name;
  std::string arn;
  std::string launch_template_name;
  std::string launch_template_id;
  int min_size = 0;
  int max_size = 0;
  int desired_capacity = 0;
  std::map<std::string, AsgTag> tags;
  int64_t created_time = 0;
  std::vector<AsgMember> members;                              // in launch order
  std::map<std::string, std::set<std::string>> notifications;  // topic ARN -> notification types
  bool deleting = false;                                       // ForceDelete: gone once empty
  int64_t next_sequence = 1;
  int64_t next_launch_at = 0;  // back-off after a failed launch (not persisted)

  int live_count() const;  // members not Terminating
};

nlohmann::json to_json(const AsgGroup& g);
Result<AsgGroup> group_from_json(const nlohmann::json& j);

}  // namespace ebbflow::cloud
