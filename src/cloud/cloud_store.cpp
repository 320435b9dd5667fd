#include "cloud/cloud_store.h"

#include <nlohmann/json.hpp>

namespace ebbflow::cloud {

namespace {

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS instances (
  id TEXT PRIMARY KEY, instance_type TEXT, state TEXT, private_ip TEXT, private_dns_name TEXT,
  launch_time INTEGER, client_token TEXT, launch_template_name TEXT, launch_template_id TEXT,
  tags TEXT, pgid INTEGER, state_reason TEXT, state_changed_at INTEGER, kill_deadline INTEGER,
  launch_index INTEGER, reservation_id TEXT);
CREATE TABLE IF NOT EXISTS launch_templates (
  name TEXT PRIMARY KEY, id TEXT, instance_type TEXT, user_data TEXT, tags TEXT, create_time INTEGER);
CREATE TABLE IF NOT EXISTS client_tokens (token TEXT PRIMARY KEY, instance_ids TEXT, created INTEGER);
CREATE TABLE IF NOT EXISTS faults (id INTEGER PRIMARY KEY, spec TEXT);
)";

std::string tags_json(const Tags& tags) { return nlohmann::json(tags).dump(); }
Tags tags_from(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  if (!j.is_object()) return {};
  return j.get<Tags>();
}

}  // namespace

Result<std::unique_ptr<CloudStore>> CloudStore::open(const std::string& path) {
  auto db = sqlite::Database::open(path, kSchema);
  if (!db.ok()) return db.error();
  return std::unique_ptr<CloudStore>(new CloudStore(std::move(*db)));
}

CloudStore::~CloudStore() = default;

Status CloudStore::put_instances(const std::vector<const Instance*>& instances) {
  sqlite::Transaction txn(*db_);
  if (!txn.ok()) return txn.begun();
  sqlite::Statement st(*db_,
                       "INSERT OR REPLACE INTO instances VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)");
  if (!st.ok()) return db_->error("prepare instance upsert");
  for (const Instance* i : instances) {
    st.bind(1, i->id).bind(2, i->instance_type).bind(3, i->state).bind(4, i->private_ip);
    st.bind(5, i->private_dns_name).bind(6, i->launch_time).bind(7, i->client_token);
    st.bind(8, i->launch_template_name).bind(9, i->launch_template_id).bind(10, tags_json(i->tags));
    st.bind(11, int64_t{i->pgid}).bind(12, i->state_reason).bind(13, i->state_changed_at);
    st.bind(14, i->kill_deadline).bind(15, int64_t{i->launch_index}).bind(16, i->reservation_id);
    if (!st.done()) return db_->error("write instance " + i->id);
    st.reset();
  }
  return txn.commit();
}

Status CloudStore::delete_instance(const std::string& id) {
  return db_->run("delete instance " + id, "DELETE FROM instances WHERE id = ?1", {id});
}

Result<std::vector<Instance>> CloudStore::load_instances() {
  sqlite::Statement st(*db_, "SELECT * FROM instances ORDER BY launch_time, launch_index, id");
  if (!st.ok()) return db_->error("read instances");
  std::vector<Instance> out;
  while (st.row()) {
    Instance i;
    i.id = st.text(0);
    i.instance_type = st.text(1);
    i.state = st.text(2);
    i.private_ip = st.text(3);
    i.private_dns_name = st.text(4);
    i.launch_time = st.integer(5);
    i.client_token = st.text(6);
    i.launch_template_name = st.text(7);
    i.launch_template_id = st.text(8);
    i.tags = tags_from(st.text(9));
    i.pgid = static_cast<int>(st.integer(10));
    i.state_reason = st.text(11);
    i.state_changed_at = st.integer(12);
    i.kill_deadline = st.integer(13);
    i.launch_index = static_cast<int>(st.integer(14));
    i.reservation_id = st.text(15);
    out.push_back(std::move(i));
  }
  return out;
}

Status CloudStore::put_launch_template(const LaunchTemplate& lt) {
  return db_->run("write launch template " + lt.name, "INSERT OR REPLACE INTO launch_templates VALUES (?1,?2,?3,?4,?5,?6)",
                  {lt.name, lt.id, lt.instance_type, lt.user_data, tags_json(lt.instance_tags), lt.create_time});
}

Status CloudStore::delete_launch_template(const std::string& name) {
  return db_->run("delete launch template " + name, "DELETE FROM launch_templates WHERE name = ?1", {name});
}

Result<std::vector<LaunchTemplate>> CloudStore::load_launch_templates() {
  sqlite::Statement st(*db_, "SELECT name, id, instance_type, user_data, tags, create_time FROM launch_templates");
  if (!st.ok()) return db_->error("read launch templates");
  std::vector<LaunchTemplate> out;
  while (st.row()) {
    LaunchTemplate lt;
    lt.name = st.text(0);
    lt.id = st.text(1);
    lt.instance_type = st.text(2);
    lt.user_data = st.text(3);
    lt.instance_tags = tags_from(st.text(4));
    lt.create_time = st.integer(5);
    out.push_back(std::move(lt));
  }
  return out;
}

Status CloudStore::put_client_token(const std::string& token, const std::vector<std::string>& ids, int64_t now) {
  return db_->run("write client token", "INSERT OR REPLACE INTO client_tokens VALUES (?1,?2,?3)",
                  {token, nlohmann::json(ids).dump(), now});
}

Result<std::vector<std::pair<std::string, std::vector<std::string>>>> CloudStore::load_client_tokens() {
  sqlite::Statement st(*db_, "SELECT token, instance_ids FROM client_tokens");
  if (!st.ok()) return db_->error("read client tokens");
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  while (st.row()) {
    auto j = nlohmann::json::parse(st.text(1), nullptr, false);
    std::vector<std::string> ids;
    if (j.is_array()) ids = j.get<std::vector<std::string>>();
    out.emplace_back(st.text(0), std::move(ids));
  }
  return out;
}

Status CloudStore::save_faults(const std::vector<Fault>& faults) {
  sqlite::Transaction txn(*db_);
  if (!txn.ok()) return txn.begun();
  if (auto s = db_->exec("DELETE FROM faults"); !s.ok()) return s;
  sqlite::Statement st(*db_, "INSERT INTO faults VALUES (?1, ?2)");
  for (const auto& f : faults) {
    st.bind(1, f.id).bind(2, to_json(f).dump());
    if (!st.done()) return db_->error("write fault " + std::to_string(f.id));
    st.reset();
  }
  return txn.commit();
}

Result<std::vector<Fault>> CloudStore::load_faults() {
  sqlite::Statement st(*db_, "SELECT spec FROM faults ORDER BY id");
  if (!st.ok()) return db_->error("read faults");
  std::vector<Fault> out;
  while (st.row()) {
    auto f = fault_from_json(nlohmann::json::parse(st.text(0), nullptr, false));
    if (f.ok()) out.push_back(*f);
  }
  return out;
}

}  // namespace ebbflow::cloud
