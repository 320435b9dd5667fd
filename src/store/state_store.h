// Durable daemon state in SQLite: clustermgtd's ManagerState, the fleet start/stop request,
// and launch intents with their ClientTokens.
//
// Every write is one transaction, made BEFORE the action it protects (record intent, act,
// record outcome), so a crash or kill -9 at any point leaves enough to recover without
// launching twice: a pending intent is replayed with the same ClientToken, which the cloud
// answers with the instances it already launched.
// Thread-compatible: one StateStore per thread; several processes may open the same file
// (WAL mode, busy timeout).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/cluster_model.h"
#include "util/result.h"

namespace ebbflow::sqlite {
class Database;
}

namespace ebbflow::store {

struct LaunchIntent {
  std::string client_token;
  std::string queue;
  std::string compute_resource;
  std::vector<std::string> node_names;
  int64_t created = 0;
  std::string status;  // pending | done | failed
  std::vector<std::string> instance_ids;
};

class StateStore {
 public:
  static Result<StateStore> open(const std::string& path);
  StateStore(StateStore&&) noexcept;
  StateStore& operator=(StateStore&&) noexcept;
  ~StateStore();

  Result<core::ManagerState> load_manager_state();
  Status save_manager_state(const core::ManagerState& state);

  // The operator's fleet request (STOP_REQUESTED / START_REQUESTED), consumed by clustermgtd.
  Status set_fleet_request(core::FleetStatus request);
  Result<std::optional<core::FleetStatus>> take_fleet_request();

  // Launch intents. A pending intent for exactly these nodes is reused (same token).
  Result<std::optional<LaunchIntent>> find_pending_intent(const std::string& queue, const std::string& cr,
                                                          const std::vector<std::string>& node_names);
  Status add_intent(const LaunchIntent& intent);
  // Also counts the intent's nodes once (the first time a pending intent finishes): launched,
  // and failed (all of them when `status` is "failed", else those without an instance).
  Status finish_intent(const std::string& token, const std::string& status, const std::vector<std::string>& instance_ids);
  Result<std::vector<LaunchIntent>> pending_intents();
  // Node launches finished so far by every process sharing this database (slurm_resume and
  // clustermgtd), and how many failed: the boot-wait feedback's failure rate.
  struct LaunchCounts {
    int64_t nodes_launched = 0;
    int64_t nodes_failed = 0;
  };
  Result<LaunchCounts> launch_counts();

  // Free-form values (heartbeat-independent facts shown by `cluster status`).
  Status put(const std::string& key, const std::string& value);
  Result<std::optional<std::string>> get(const std::string& key);

 private:
  explicit StateStore(std::unique_ptr<sqlite::Database> db);
  std::unique_ptr<sqlite::Database> db_;
};

// JSON (de)serialisation of ManagerState, exposed for tests.
std::string manager_state_to_json(const core::ManagerState& state);
Result<core::ManagerState> manager_state_from_json(const std::string& json);

}  // namespace ebbflow::store
