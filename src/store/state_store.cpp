#include "store/state_store.h"

#include <algorithm>

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "sqlite/database.h"

namespace ebbflow::store {
namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += ',';
    s += x;
  }
  return s;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

const char* kSchema =
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS launch_intents (token TEXT PRIMARY KEY, queue TEXT, cr TEXT, nodes TEXT,"
    " created INTEGER, status TEXT, instance_ids TEXT);"
    "CREATE INDEX IF NOT EXISTS launch_intents_status ON launch_intents(status);"
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);";

LaunchIntent read_intent(const sqlite::Statement& s) {
  LaunchIntent i;
  i.client_token = s.text(0);
  i.queue = s.text(1);
  i.compute_resource = s.text(2);
  i.node_names = split(s.text(3));
  i.created = s.integer(4);
  i.status = s.text(5);
  i.instance_ids = split(s.text(6));
  return i;
}

}  // namespace

std::string manager_state_to_json(const core::ManagerState& st) {
  json j;
  j["replacing"] = st.replacing;
  json missing = json::object();
  for (const auto& [name, entry] : st.missing_instance) missing[name] = {{"addr", entry.first}, {"count", entry.second}};
  j["missing_instance"] = missing;
  json failures = json::array();
  for (const auto& [key, count] : st.bootstrap_failures)
    failures.push_back({{"queue", key.first}, {"compute_resource", key.second}, {"count", count}});
  j["bootstrap_failures"] = failures;
  json ice = json::array();
  for (const auto& [key, rec] : st.insufficient_capacity)
    ice.push_back({{"queue", key.first}, {"compute_resource", key.second}, {"since", rec.since}, {"error_code", rec.error_code}});
  j["insufficient_capacity"] = ice;
  j["protected_partitions"] = st.protected_partitions;
  j["fleet"] = core::to_string(st.fleet);
  return j.dump();
}

Result<core::ManagerState> manager_state_from_json(const std::string& text) {
  try {
    json j = json::parse(text);
    core::ManagerState st;
    st.replacing = j.value("replacing", std::map<std::string, int64_t>{});
    const json missing = j.value("missing_instance", json::object());
    for (const auto& [name, e] : missing.items())
      st.missing_instance[name] = {e.at("addr").get<std::string>(), e.at("count").get<int>()};
    for (const auto& e : j.value("bootstrap_failures", json::array()))
      st.bootstrap_failures[{e.at("queue"), e.at("compute_resource")}] = e.at("count").get<int>();
    for (const auto& e : j.value("insufficient_capacity", json::array()))
      st.insufficient_capacity[{e.at("queue"), e.at("compute_resource")}] = {e.at("since").get<int64_t>(),
                                                                              e.at("error_code").get<std::string>()};
    st.protected_partitions = j.value("protected_partitions", std::map<std::string, std::string>{});
    auto fleet = core::parse_fleet_status(j.value("fleet", std::string("RUNNING")));
    if (!fleet) return make_error(ErrorKind::kInvalidInput, "CorruptState", "unknown fleet status in saved state");
    st.fleet = *fleet;
    return st;
  } catch (const std::exception& e) {
    return make_error(ErrorKind::kInvalidInput, "CorruptState", std::string("saved manager state: ") + e.what());
  }
}

Result<StateStore> StateStore::open(const std::string& path) {
  sqlite::Options options;
  options.full_mutex = true;
  options.busy_timeout_ms = 10000;
  options.synchronous = "FULL";
  options.error_code = "StateStoreError";
  options.open_error_kind = ErrorKind::kRetry;
  options.error_kind = ErrorKind::kRetry;
  auto db = sqlite::Database::open(path, kSchema, options);
  if (!db.ok()) return db.error();
  return StateStore(std::move(*db));
}

StateStore::StateStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
StateStore::StateStore(StateStore&&) noexcept = default;
StateStore& StateStore::operator=(StateStore&&) noexcept = default;
StateStore::~StateStore() = default;

Status StateStore::put(const std::string& key, const std::string& value) {
  return db_->run("put " + key, "INSERT INTO kv(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                  {key, value});
}

Result<std::optional<std::string>> StateStore::get(const std::string& key) {
  sqlite::Statement s(*db_, "SELECT value FROM kv WHERE key=?1");
  if (!s.ok()) return db_->error("get " + key);
  s.bind(1, key);
  int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(s.text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return db_->error("get " + key);
}

Result<core::ManagerState> StateStore::load_manager_state() {
  auto v = get("manager_state");
  if (!v.ok()) return v.error();
  if (!v->has_value()) return core::ManagerState{};
  return manager_state_from_json(**v);
}

Status StateStore::save_manager_state(const core::ManagerState& state) {
  return put("manager_state", manager_state_to_json(state));
}

Status StateStore::set_fleet_request(core::FleetStatus request) { return put("fleet_request", core::to_string(request)); }

Result<std::optional<core::FleetStatus>> StateStore::take_fleet_request() {
  sqlite::Transaction txn(*db_);
  if (!txn.ok()) return txn.begun().error();
  auto v = get("fleet_request");
  if (!v.ok()) return v.error();
  std::optional<core::FleetStatus> out;
  if (v->has_value()) {
    out = core::parse_fleet_status(**v);
    sqlite::Statement s(*db_, "DELETE FROM kv WHERE key='fleet_request'");
    s.step();
  }
  if (auto st = txn.commit(); !st.ok()) return st.error();
  return out;
}

Result<std::optional<LaunchIntent>> StateStore::find_pending_intent(const std::string& queue, const std::string& cr,
                                                                    const std::vector<std::string>& node_names) {
  sqlite::Statement s(*db_,
         "SELECT token, queue, cr, nodes, created, status, instance_ids FROM launch_intents"
         " WHERE status='pending' AND queue=?1 AND cr=?2 AND nodes=?3 ORDER BY created DESC LIMIT 1");
  if (!s.ok()) return db_->error("find intent");
  s.bind(1, queue).bind(2, cr).bind(3, join(node_names));
  int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<LaunchIntent>(read_intent(s));
  if (rc == SQLITE_DONE) return std::optional<LaunchIntent>();
  return db_->error("find intent");
}

Status StateStore::add_intent(const LaunchIntent& i) {
  return db_->run("add intent",
                  "INSERT INTO launch_intents(token, queue, cr, nodes, created, status, instance_ids) VALUES(?1,?2,?3,?4,?5,?6,?7)",
                  {i.client_token, i.queue, i.compute_resource, join(i.node_names), i.created,
                   i.status.empty() ? std::string("pending") : i.status, join(i.instance_ids)});
}

Status StateStore::finish_intent(const std::string& token, const std::string& status,
                                 const std::vector<std::string>& instance_ids) {
  sqlite::Transaction txn(*db_);
  if (!txn.ok()) return txn.begun();
  int64_t nodes = 0;
  bool was_pending = false;
  {
    sqlite::Statement s(*db_, "SELECT nodes, status FROM launch_intents WHERE token=?1");
    if (!s.ok()) return db_->error("finish intent");
    s.bind(1, token);
    if (s.row()) {
      nodes = static_cast<int64_t>(split(s.text(0)).size());
      was_pending = s.text(1) == "pending";
    }
  }
  if (auto st = db_->run("finish intent", "UPDATE launch_intents SET status=?2, instance_ids=?3 WHERE token=?1",
                         {token, status, join(instance_ids)});
      !st.ok())
    return st;
  if (was_pending && nodes > 0) {
    const int64_t failed =
        status == "failed" ? nodes : std::max<int64_t>(0, nodes - static_cast<int64_t>(instance_ids.size()));
    const char* add =
        "INSERT INTO counters(name, value) VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value";
    if (auto st = db_->run("count launches", add, {std::string("nodes_launched"), nodes}); !st.ok()) return st;
    if (auto st = db_->run("count launches", add, {std::string("nodes_failed"), failed}); !st.ok()) return st;
  }
  return txn.commit();
}

Result<StateStore::LaunchCounts> StateStore::launch_counts() {
  sqlite::Statement s(*db_, "SELECT name, value FROM counters WHERE name IN ('nodes_launched', 'nodes_failed')");
  if (!s.ok()) return db_->error("launch counts");
  LaunchCounts c;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) (s.text(0) == "nodes_launched" ? c.nodes_launched : c.nodes_failed) = s.integer(1);
  if (rc != SQLITE_DONE) return db_->error("launch counts");
  return c;
}

Result<std::vector<LaunchIntent>> StateStore::pending_intents() {
  sqlite::Statement s(*db_, "SELECT token, queue, cr, nodes, created, status, instance_ids FROM launch_intents WHERE status='pending'");
  if (!s.ok()) return db_->error("pending intents");
  std::vector<LaunchIntent> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_intent(s));
  if (rc != SQLITE_DONE) return db_->error("pending intents");
  return out;
}

}  // namespace ebbflow::store
