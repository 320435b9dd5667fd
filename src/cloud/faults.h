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
  std::string kind;           // fail-launch | throttle | server-error
  std::string code;           // the EC2 error code to answer with
  std::string message;
  std::string action;         // empty: every action the kind applies to
  std::string instance_type;  // fail-launch: empty = every type
  int remaining = 1;          // times left to fire; -1 = until cleared
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

 private:
  std::optional<InjectedError> fire(size_t index, int http_status);

  std::vector<Fault> faults_;
  int64_t next_id_ = 1;
};

}  // namespace ebbflow::cloud
