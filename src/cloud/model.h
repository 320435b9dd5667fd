// The local cloud's data model: instances, launch templates, and EC2's state vocabulary.
//
// Plain values shared by the store (SQLite), the EC2 action handlers, the XML renderer and
// the process supervisor. Times are Unix seconds.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ebbflow::cloud {

using Tags = std::map<std::string, std::string>;

// EC2 instance state names and their numeric codes (the low byte of InstanceState.Code).
inline constexpr const char* kPending = "pending";
inline constexpr const char* kRunning = "running";
inline constexpr const char* kShuttingDown = "shutting-down";
inline constexpr const char* kTerminated = "terminated";
int state_code(const std::string& state);

// StateReason values, as EC2 reports them.
inline constexpr const char* kReasonUserShutdown = "Client.UserInitiatedShutdown";
inline constexpr const char* kReasonInstanceShutdown = "Client.InstanceInitiatedShutdown";
inline constexpr const char* kReasonInternalError = "Server.InternalError";
std::string reason_message(const std::string& code);  // "Client.X: Human text"

struct Instance {
  std::string id;               // i-<17 hex>
  std::string instance_type;
  std::string state = kPending;
  std::string private_ip;
  std::string private_dns_name;  // ip-127-77-0-5.ec2.internal
  int64_t launch_time = 0;
  std::string client_token;
  std::string launch_template_name;
  std::string launch_template_id;
  Tags tags;
  int pgid = 0;                  // process group (= pid of the user-data script), 0 = none
  std::string state_reason;      // StateReason code, empty while healthy
  int64_t state_changed_at = 0;  // when the current state began
  int64_t kill_deadline = 0;     // shutting-down: SIGKILL the group at this time
  int launch_index = 0;          // amiLaunchIndex within its RunInstances call
  std::string reservation_id;
};

struct LaunchTemplate {
  std::string id;    // lt-<17 hex>
  std::string name;
  std::string instance_type;
  std::string user_data;  // decoded (plain text)
  Tags instance_tags;     // TagSpecification ResourceType=instance
  int64_t create_time = 0;
};

// "ip-127-77-0-5.ec2.internal" for "127.77.0.5".
std::string private_dns_name(const std::string& ip);

// Random lower-case hex of `n` digits (ids, tokens); thread-safe.
std::string random_hex(int n);

}  // namespace ebbflow::cloud
