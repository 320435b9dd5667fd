// The shared SQLite wrapper: each caller's options reach the connection, errors name the
// database, what failed and sqlite's message with the caller's kind and code, and
// transactions commit or roll back.
#include "sqlite/database.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace ebbflow::sqlite {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ebbflow-sqlite-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

const char* kSchema = "CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT);";

std::string pragma(Database& db, const char* sql) {
  Statement s(db, sql);
  EXPECT_TRUE(s.row()) << sql;
  return s.text(0);
}

// Each test opens its databases in a fresh directory; open() fails the test when opening fails.
class Sqlite : public ::testing::Test {
 protected:
  Database& open(const std::string& name, const Options& options = {}, const char* schema = kSchema) {
    auto db = Database::open(dir.file(name), schema, options);
    if (!db.ok()) throw std::runtime_error(db.error().describe());  // gtest reports it as the test's failure
    dbs_.push_back(std::move(*db));
    return *dbs_.back();
  }
  TempDir dir;

 private:
  std::vector<std::unique_ptr<Database>> dbs_;
};

int64_t count_rows(Database& db) {
  Statement s(db, "SELECT COUNT(*) FROM kv");
  EXPECT_TRUE(s.row());
  return s.integer(0);
}

TEST_F(Sqlite, DefaultsAreWalNormalAndFiveSecondBusyTimeout) {
  Database& db = open("a.db");
  EXPECT_EQ(pragma(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma(db, "PRAGMA synchronous"), "1");  // NORMAL
  EXPECT_EQ(pragma(db, "PRAGMA busy_timeout"), "5000");
  EXPECT_EQ(db.path(), dir.file("a.db"));
}

TEST_F(Sqlite, CallerOptionsReachTheConnection) {
  Options o;
  o.busy_timeout_ms = 10000;
  o.synchronous = "FULL";
  Database& db = open("b.db", o);
  EXPECT_EQ(pragma(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma(db, "PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(pragma(db, "PRAGMA busy_timeout"), "10000");
}

TEST(SqliteOpen, OpenFailureNamesThePathWithTheOpenErrorKind) {
  TempDir dir;
  Options o;
  o.error_code = "StateStoreError";
  o.open_error_kind = ErrorKind::kRetry;
  std::string path = dir.file("missing-dir/c.db");
  auto db = Database::open(path, kSchema, o);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind, ErrorKind::kRetry);
  EXPECT_EQ(db.error().code, "StateStoreError");
  EXPECT_NE(db.error().message.find("cannot open " + path), std::string::npos) << db.error().message;
}

TEST(SqliteOpen, BadSchemaIsAnErrorNamingTheFileAndSqlitesMessage) {
  TempDir dir;
  auto db = Database::open(dir.file("d.db"), "CREATE TABLE broken (a TEXT,);");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(db.error().code, "StoreError");
  EXPECT_NE(db.error().message.find(dir.file("d.db") + ": create the schema: "), std::string::npos)
      << db.error().message;
  EXPECT_NE(db.error().message.find("syntax error"), std::string::npos) << db.error().message;
}

TEST_F(Sqlite, StatementErrorsCarryPathWhatAndSqliteMessageWithTheCallersKind) {
  Options o;
  o.error_code = "StateStoreError";
  o.error_kind = ErrorKind::kRetry;
  Database& db = open("e.db", o);
  Statement s(db, "SELECT nope FROM kv");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.step(), SQLITE_MISUSE);
  Error e = db.error("read kv");
  EXPECT_EQ(e.kind, ErrorKind::kRetry);
  EXPECT_EQ(e.code, "StateStoreError");
  EXPECT_EQ(e.message, dir.file("e.db") + ": read kv: no such column: nope");

  auto st = db.exec("INSERT INTO nowhere VALUES (1)");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, dir.file("e.db") + ": INSERT INTO nowhere VALUES (1): no such table: nowhere");
}

TEST_F(Sqlite, StatementBindsStepsResetsAndKeepsEmbeddedNuls) {
  Database& db = open("f.db");
  Statement put(db, "INSERT INTO kv VALUES (?1, ?2)");
  ASSERT_TRUE(put.ok());
  EXPECT_TRUE(put.bind(1, std::string("a")).bind(2, std::string("x\0y", 3)).done());
  put.reset();
  EXPECT_TRUE(put.bind(1, std::string("b")).bind(2, int64_t{42}).done());
  put.reset();
  EXPECT_FALSE(put.bind(1, std::string("a")).bind(2, std::string("dup")).done());  // primary key

  Statement get(db, "SELECT v FROM kv ORDER BY k");
  ASSERT_TRUE(get.row());
  EXPECT_EQ(get.text(0), std::string("x\0y", 3));
  ASSERT_TRUE(get.row());
  EXPECT_EQ(get.integer(0), 42);
  EXPECT_TRUE(get.done());
}

TEST_F(Sqlite, RunBindsArgumentsInOrderAndNamesWhatFailed) {
  Database& db = open("r.db", {}, "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER);");
  ASSERT_TRUE(db.run("write a", "INSERT INTO t VALUES (?1, ?2)", {std::string("a"), int64_t{7}}).ok());
  Statement get(db, "SELECT k, n, typeof(n) FROM t");
  ASSERT_TRUE(get.row());
  EXPECT_EQ(get.text(0), "a");
  EXPECT_EQ(get.integer(1), 7);
  EXPECT_EQ(get.text(2), "integer");

  auto dup = db.run("write a again", "INSERT INTO t VALUES (?1, ?2)", {std::string("a"), int64_t{8}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message, dir.file("r.db") + ": write a again: UNIQUE constraint failed: t.k");
  auto bad = db.run("write b", "INSERT INTO missing VALUES (?1)", {std::string("b")});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, dir.file("r.db") + ": write b: no such table: missing");
}

TEST_F(Sqlite, RollsBackUnlessCommitted) {
  Database& db = open("g.db");
  {
    Transaction txn(db);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(db.exec("INSERT INTO kv VALUES ('dropped', '')").ok());
  }
  EXPECT_EQ(count_rows(db), 0);
  {
    Transaction txn(db);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(db.exec("INSERT INTO kv VALUES ('kept', '')").ok());
    ASSERT_TRUE(txn.commit().ok());
  }
  EXPECT_EQ(count_rows(db), 1);
}

TEST_F(Sqlite, ABeginThatFailsSaysWhy) {
  Database& db = open("h.db");
  Transaction outer(db);
  ASSERT_TRUE(outer.ok());
  Transaction inner(db);  // no nested transactions in SQLite
  ASSERT_FALSE(inner.ok());
  EXPECT_NE(inner.begun().error().message.find("BEGIN IMMEDIATE: cannot start a transaction within a transaction"),
            std::string::npos)
      << inner.begun().error().message;
}

}  // namespace
}  // namespace ebbflow::sqlite
