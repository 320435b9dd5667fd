// The one place ebbflow talks to SQLite: an owned connection opened with each caller's options
// (open flags, busy timeout, journal and synchronous pragmas, schema), a self-finalizing
// prepared statement, and a BEGIN IMMEDIATE .. COMMIT transaction that rolls back unless
// committed. Used by the daemons' state store and the local cloud's EC2, Auto Scaling, SQS
// and DynamoDB stores.
//
// Errors name the database file, what was being done (or the statement) and sqlite's own
// message; their ErrorKind and code are the caller's (Options), so each store keeps its own.
// A Database is not thread-safe unless opened with full_mutex; its owner locks.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <variant>

#include "util/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ebbflow::sqlite {

struct Options {
  // SQLITE_OPEN_FULLMUTEX: the connection serializes its own use by several threads.
  bool full_mutex = false;
  int busy_timeout_ms = 5000;
  // Run right after opening, before the schema (always WAL; only `synchronous` differs).
  std::string synchronous = "NORMAL";  // PRAGMA synchronous=<this>
  // Every error's code, and its kind: open_error_kind when the file cannot be opened,
  // error_kind for the pragmas, the schema, statements and transactions.
  std::string error_code = "StoreError";
  ErrorKind open_error_kind = ErrorKind::kGiveUp;
  ErrorKind error_kind = ErrorKind::kInternal;
};

class Database {
 public:
  // Opens (creating if needed) `path` read-write, then runs the pragmas and `schema`
  // (CREATE ... IF NOT EXISTS statements).
  static Result<std::unique_ptr<Database>> open(const std::string& path, const std::string& schema,
                                                const Options& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without parameters; an error names the (first) statement.
  Status exec(const std::string& sql);
  // A parameter of run(): text or integer.
  using Value = std::variant<std::string, int64_t>;
  // Prepares `sql`, binds `args` to ?1, ?2, ... in order and steps it once, expecting no row
  // (an INSERT, UPDATE or DELETE); an error is error(what).
  Status run(const std::string& what, const char* sql, std::initializer_list<Value> args);
  // An error of this database: "<path>: <what>: <sqlite's last message>".
  Error error(const std::string& what) const;
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

 private:
  Database(sqlite3* db, std::string path, Options options)
      : db_(db), path_(std::move(path)), options_(std::move(options)) {}
  Status exec(const std::string& sql, const std::string& what);  // error: "<path>: <what>: <msg>"
  sqlite3* db_;
  std::string path_;
  Options options_;
};

// A prepared statement. Binds by 1-based position; step() returns the SQLITE_* code
// (SQLITE_MISUSE when the statement did not prepare, so db.error() then tells why).
class Statement {
 public:
  Statement(Database& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return s_ != nullptr; }
  Statement& bind(int i, const std::string& v);
  Statement& bind(int i, int64_t v);
  int step();
  bool row();   // step() == SQLITE_ROW
  bool done();  // step() == SQLITE_DONE
  void reset();  // ready to bind and step again
  std::string text(int col) const;  // the whole value, embedded NULs included; "" for NULL
  int64_t integer(int col) const;

 private:
  sqlite3_stmt* s_ = nullptr;
};

// BEGIN IMMEDIATE .. COMMIT; rolls back unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  bool ok() const { return begun_.ok(); }
  const Status& begun() const { return begun_; }  // why BEGIN failed, when !ok()
  Status commit();

 private:
  Database& db_;
  Status begun_;
  bool committed_ = false;
};

}  // namespace ebbflow::sqlite
