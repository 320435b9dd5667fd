// Injected faults: what the local cloud should get wrong on purpose, and how often.
//
// A fault is a row: a kind, what it applies to (an action, an instance type, an instance),
// the error it produces, and how many more times it fires (-1: until cleared). The table is
// consulted at fixed points (before an action runs, when RunInstances picks a type, ...), so a
// new kind needs a kind name and one consult call, not a new table. Kinds today:
//   fail-launch  RunInstances fails with `code` (e.g. InsufficientInstanceCapacity), optionally
//                only for `instance_type`; launches nothing.
//   throttle     any action (or only `action`) fails with RequestLimitExceeded (HTTP 503).
//   server-error any action (or only `action`) fails with InternalError (HTTP 503).
//   never-bootstrap  the next `count` launched instances (optionally only of `instance_type`)
//                run `sleep infinity` instead of their user data: up, but never a node.
//   impaired-status  DescribeInstanceStatus reports `instance_id`'s instance (`check`
//                "instance") or system (`check` "system") status impaired since `since`.
//   scheduled-event  DescribeInstanceStatus lists an event `code` (instance-retirement,
//                system-maintenance, instance-reboot, system-reboot, instance-stop) for
//                `instance_id`.
//   slow-reply   the reply to `action` (or any action) is held back `delay_s` seconds after the
//                action ran: a launch that happened but whose caller is still waiting (to kill it
//                mid-launch).
// Status faults (impaired-status, scheduled-event) are states, not counts: they last until
// cleared or until their instance terminates (forget_instance).
// Not thread-safe (the caller locks); serialisable to JSON for the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace ebbflow::cloud {

struct Fault {
  int64_t id = 0;
  std::string kind;           // fail-launch | throttle | server-error | slow-reply | never-bootstrap | impaired-status | scheduled-event
  std::string code;           // the EC2 error code to answer with
  std::string message;
  std::string action;         // empty: every action the kind applies to
  std::string instance_type;  // fail-launch: empty = every type
  int remaining = 1;          // times left to fire; -1 = until cleared
  std::string instance_id;    // impaired-status, scheduled-event: the instance concerned
  std::string check;          // impaired-status: "instance" | "system"
  int64_t since = 0;          // status faults: injection time (impairedSince; the event's base time)
  int delay_s = 0;            // slow-reply: seconds to hold the reply
};

// What DescribeInstanceStatus should report for one instance because of injected faults.
struct InjectedStatus {
  int64_t instance_impaired_since = 0;  // 0: not impaired
  int64_t system_impaired_since = 0;
  struct Event {
    std::string code, description;
    int64_t not_before = 0;
  };
  std::vector<Event> events;
};

nlohmann::json to_json(const Fault& f);
Result<Fault> fault_from_json(const nlohmann::json& j);  // validates kind, fills defaults

// The error an action should fail with: EC2 code, message, HTTP status.
struct InjectedError {
  std::string code;
  std::string message;
  int http_status = 400;
};

class FaultTable {
 public:
  int64_t add(Fault f);  // assigns and returns the id
  void clear() { faults_.clear(); }
  const std::vector<Fault>& all() const { return faults_; }
  void restore(std::vector<Fault> faults);

  // Consult points. Each fires (and uses up one count of) the first matching fault.
  std::optional<InjectedError> on_request(const std::string& action);
  std::optional<InjectedError> on_launch(const std::string& instance_type);
  // One instance of `instance_type` is about to start: true = run `sleep infinity` instead.
  bool on_instance_start(const std::string& instance_type);
  // Seconds to hold back the reply to `action` (0: none); uses up one count.
  int on_reply(const std::string& action);
  // Status faults of one instance (does not use anything up).
  InjectedStatus status_of(const std::string& instance_id) const;
  // The instance terminated: its status faults go with it. True if any was removed.
  bool forget_instance(const std::string& instance_id);

 private:
  std::optional<InjectedError> fire(size_t index, int http_status);

  std::vector<Fault> faults_;
  int64_t next_id_ = 1;
};

}  // namespace ebbflow::cloud
