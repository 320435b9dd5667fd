#include "cloud/autoscaling_store.h"

#include <sqlite3.h>

namespace ebbflow::cloud {

namespace {

Error db_error(sqlite3* db, const std::string& what) {
  return make_error(ErrorKind::kInternal, "StoreError", what + ": " + sqlite3_errmsg(db));
}

// Runs one statement with text parameters; SQLITE_DONE is success.
Status run(sqlite3* db, const char* sql, const std::vector<std::string>& args) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) return db_error(db, sql);
  for (size_t i = 0; i < args.size(); ++i) {
    sqlite3_bind_text(s, static_cast<int>(i + 1), args[i].data(), static_cast<int>(args[i].size()), SQLITE_TRANSIENT);
  }
  int rc = sqlite3_step(s);
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return db_error(db, sql);
  return {};
}

}  // namespace

Result<std::unique_ptr<AsgStore>> AsgStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    Error e = make_error(ErrorKind::kGiveUp, "StoreError", "cannot open " + path + ": " + sqlite3_errmsg(db));
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<AsgStore> store(new AsgStore(db));
  const char* schema =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS autoscaling_groups (name TEXT PRIMARY KEY, body TEXT NOT NULL);";
  char* msg = nullptr;
  if (sqlite3_exec(db, schema, nullptr, nullptr, &msg) != SQLITE_OK) {
    Error e = make_error(ErrorKind::kGiveUp, "StoreError", "cannot create the schema in " + path + ": " +
                                                               (msg ? msg : "unknown error"));
    sqlite3_free(msg);
    return e;
  }
  return store;
}

AsgStore::~AsgStore() { sqlite3_close(db_); }

Status AsgStore::put(const AsgGroup& g) {
  return run(db_, "INSERT INTO autoscaling_groups (name, body) VALUES (?1, ?2) "
                  "ON CONFLICT(name) DO UPDATE SET body = excluded.body",
             {g.name, to_json(g).dump()});
}

Status AsgStore::remove(const std::string& name) {
  return run(db_, "DELETE FROM autoscaling_groups WHERE name = ?1", {name});
}

Result<std::vector<AsgGroup>> AsgStore::load() {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT name, body FROM autoscaling_groups ORDER BY name", -1, &s, nullptr) != SQLITE_OK) {
    return db_error(db_, "load Auto Scaling groups");
  }
  std::vector<AsgGroup> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
    auto j = nlohmann::json::parse(p ? p : "", nullptr, false);
    auto g = group_from_json(j);
    if (!g.ok()) {
      sqlite3_finalize(s);
      return g.error();
    }
    out.push_back(std::move(*g));
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return db_error(db_, "load Auto Scaling groups");
  return out;
}

}  // namespace ebbflow::cloud
