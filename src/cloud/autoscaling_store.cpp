#include "cloud/autoscaling_store.h"

#include <sqlite3.h>

namespace ebbflow::cloud {

namespace {

const char* kSchema = "CREATE TABLE IF NOT EXISTS autoscaling_groups (name TEXT PRIMARY KEY, body TEXT NOT NULL);";

}  // namespace

Result<std::unique_ptr<AsgStore>> AsgStore::open(const std::string& path) {
  auto db = sqlite::Database::open(path, kSchema);
  if (!db.ok()) return db.error();
  return std::unique_ptr<AsgStore>(new AsgStore(std::move(*db)));
}

AsgStore::~AsgStore() = default;

Status AsgStore::put(const AsgGroup& g) {
  const char* sql =
      "INSERT INTO autoscaling_groups (name, body) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET body = excluded.body";
  return db_->run(sql, sql, {g.name, to_json(g).dump()});
}

Status AsgStore::remove(const std::string& name) {
  const char* sql = "DELETE FROM autoscaling_groups WHERE name = ?1";
  return db_->run(sql, sql, {name});
}

Result<std::vector<AsgGroup>> AsgStore::load() {
  sqlite::Statement st(*db_, "SELECT name, body FROM autoscaling_groups ORDER BY name");
  if (!st.ok()) return db_->error("load Auto Scaling groups");
  std::vector<AsgGroup> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    auto g = group_from_json(nlohmann::json::parse(st.text(1), nullptr, false));
    if (!g.ok()) return g.error();
    out.push_back(std::move(*g));
  }
  if (rc != SQLITE_DONE) return db_->error("load Auto Scaling groups");
  return out;
}

}  // namespace ebbflow::cloud
