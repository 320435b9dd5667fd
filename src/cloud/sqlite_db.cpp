#include "cloud/sqlite_db.h"

#include <sqlite3.h>

namespace ebbflow::cloud {

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path, const std::string& schema) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    Error e = make_error(ErrorKind::kGiveUp, "StoreError", "cannot open " + path + ": " + sqlite3_errmsg(db));
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<SqliteDb> store(new SqliteDb(db));
  if (auto s = store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !s.ok()) return s.error();
  if (auto s = store->exec(schema); !s.ok()) return s.error();
  return store;
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

Status SqliteDb::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return make_error(ErrorKind::kInternal, "StoreError", "sqlite: " + msg);
  }
  return {};
}

Error SqliteDb::error(const std::string& what) const {
  return make_error(ErrorKind::kInternal, "StoreError", what + ": " + sqlite3_errmsg(db_));
}

SqliteStmt::SqliteStmt(SqliteDb& db, const char* sql) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &s_, nullptr) != SQLITE_OK) {
    sqlite3_finalize(s_);
    s_ = nullptr;
  }
}

SqliteStmt::~SqliteStmt() { sqlite3_finalize(s_); }

SqliteStmt& SqliteStmt::bind(int i, const std::string& v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStmt& SqliteStmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

int SqliteStmt::step() { return s_ ? sqlite3_step(s_) : SQLITE_MISUSE; }
bool SqliteStmt::row() { return step() == SQLITE_ROW; }
bool SqliteStmt::done() { return step() == SQLITE_DONE; }

void SqliteStmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string SqliteStmt::text(int col) const {
  auto p = sqlite3_column_text(s_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, col)) : std::string();
}

int64_t SqliteStmt::integer(int col) const { return sqlite3_column_int64(s_, col); }

}  // namespace ebbflow::cloud
