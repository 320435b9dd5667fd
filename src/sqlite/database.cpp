#include "sqlite/database.h"

#include <sqlite3.h>

namespace ebbflow::sqlite {

namespace {

// The statement as it appears in an error: its first line, cut to a readable length.
std::string summarize(const std::string& sql) {
  constexpr size_t kMax = 80;
  size_t start = sql.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "(empty statement)";
  std::string s = sql.substr(start, sql.find('\n', start) - start);
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return s;
}

}  // namespace

Result<std::unique_ptr<Database>> Database::open(const std::string& path, const std::string& schema,
                                                 const Options& options) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | (options.full_mutex ? SQLITE_OPEN_FULLMUTEX : 0);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Error e = make_error(options.open_error_kind, options.error_code, "cannot open " + path + ": " + sqlite3_errmsg(db));
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  std::unique_ptr<Database> store(new Database(db, path, options));
  std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + options.synchronous + ";";
  if (auto s = store->exec(pragmas, "set " + pragmas); !s.ok()) return s.error();
  if (auto s = store->exec(schema, "create the schema"); !s.ok()) return s.error();
  return store;
}

Database::~Database() { sqlite3_close(db_); }

Status Database::exec(const std::string& sql) { return exec(sql, summarize(sql)); }

Status Database::exec(const std::string& sql, const std::string& what) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return make_error(options_.error_kind, options_.error_code, path_ + ": " + what + ": " + msg);
  }
  return {};
}

Status Database::run(const std::string& what, const char* sql, std::initializer_list<Value> args) {
  Statement st(*this, sql);
  if (!st.ok()) return error(what);
  int i = 1;
  for (const Value& v : args) std::visit([&](const auto& x) { st.bind(i++, x); }, v);
  if (!st.done()) return error(what);
  return {};
}

Error Database::error(const std::string& what) const {
  return make_error(options_.error_kind, options_.error_code, path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

Statement::Statement(Database& db, const char* sql) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &s_, nullptr) != SQLITE_OK) {
    sqlite3_finalize(s_);
    s_ = nullptr;
  }
}

Statement::~Statement() { sqlite3_finalize(s_); }

Statement& Statement::bind(int i, const std::string& v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

int Statement::step() { return s_ ? sqlite3_step(s_) : SQLITE_MISUSE; }
bool Statement::row() { return step() == SQLITE_ROW; }
bool Statement::done() { return step() == SQLITE_DONE; }

void Statement::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string Statement::text(int col) const {
  auto p = sqlite3_column_text(s_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, col)) : std::string();
}

int64_t Statement::integer(int col) const { return sqlite3_column_int64(s_, col); }

Transaction::Transaction(Database& db) : db_(db), begun_(db.exec("BEGIN IMMEDIATE")) {}

Transaction::~Transaction() {
  if (begun_.ok() && !committed_) (void)db_.exec("ROLLBACK");
}

Status Transaction::commit() {
  auto s = db_.exec("COMMIT");
  committed_ = s.ok();
  return s;
}

}  // namespace ebbflow::sqlite
