// A small SQLite wrapper for the local cloud's SQS and DynamoDB stores: an owned connection
// (WAL mode, busy timeout) and a self-finalizing prepared statement. Not thread-safe: the
// service that owns it locks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "util/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ebbflow::cloud {

class SqliteDb {
 public:
  // Opens (creating if needed) `path` and runs `schema` (CREATE ... IF NOT EXISTS statements).
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path, const std::string& schema);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  Status exec(const std::string& sql);
  Error error(const std::string& what) const;  // kInternal StoreError with sqlite's message
  sqlite3* handle() { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Binds by 1-based position; step() returns the SQLITE_* code.
class SqliteStmt {
 public:
  SqliteStmt(SqliteDb& db, const char* sql);
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  bool ok() const { return s_ != nullptr; }
  SqliteStmt& bind(int i, const std::string& v);
  SqliteStmt& bind(int i, int64_t v);
  int step();
  bool row();   // step() == SQLITE_ROW
  bool done();  // step() == SQLITE_DONE
  void reset();
  std::string text(int col) const;
  int64_t integer(int col) const;

 private:
  sqlite3_stmt* s_ = nullptr;
};

// BEGIN IMMEDIATE .. COMMIT; rolls back unless commit() succeeded.
class SqliteTxn {
 public:
  explicit SqliteTxn(SqliteDb& db) : db_(db) { ok_ = db_.exec("BEGIN IMMEDIATE").ok(); }
  ~SqliteTxn() {
    if (ok_ && !committed_) (void)db_.exec("ROLLBACK");
  }
  bool ok() const { return ok_; }
  Status commit() {
    auto s = db_.exec("COMMIT");
    committed_ = s.ok();
    return s;
  }

 private:
  SqliteDb& db_;
  bool ok_ = false;
  bool committed_ = false;
};

}  // namespace ebbflow::cloud
