#include "cloud/table_store.h"

namespace ebbflow::cloud {

namespace {

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS dynamo_tables (name TEXT PRIMARY KEY, definition TEXT);
CREATE TABLE IF NOT EXISTS dynamo_items (tbl TEXT, key TEXT, item TEXT, PRIMARY KEY (tbl, key));
)";

}  // namespace

Result<std::unique_ptr<TableStore>> TableStore::open(const std::string& path) {
  auto db = sqlite::Database::open(path, kSchema);
  if (!db.ok()) return db.error();
  return std::unique_ptr<TableStore>(new TableStore(std::move(*db)));
}

Status TableStore::put_table(const TableRecord& t) {
  return db_->run("write table " + t.name, "INSERT OR REPLACE INTO dynamo_tables VALUES (?1, ?2)",
                  {t.name, t.definition.dump()});
}

Status TableStore::delete_table(const std::string& name) {
  sqlite::Transaction txn(*db_);
  if (!txn.ok()) return txn.begun();
  for (const char* sql : {"DELETE FROM dynamo_items WHERE tbl = ?1", "DELETE FROM dynamo_tables WHERE name = ?1"})
    if (auto s = db_->run("delete table " + name, sql, {name}); !s.ok()) return s;
  return txn.commit();
}

Status TableStore::put_item(const std::string& table, const std::string& key, const nlohmann::json& item) {
  return db_->run("write item of " + table, "INSERT OR REPLACE INTO dynamo_items VALUES (?1, ?2, ?3)",
                  {table, key, item.dump()});
}

Status TableStore::delete_item(const std::string& table, const std::string& key) {
  return db_->run("delete item of " + table, "DELETE FROM dynamo_items WHERE tbl = ?1 AND key = ?2", {table, key});
}

Result<std::vector<TableRecord>> TableStore::load() {
  std::map<std::string, TableRecord> tables;
  sqlite::Statement ts(*db_, "SELECT name, definition FROM dynamo_tables");
  while (ts.row()) {
    TableRecord t;
    t.name = ts.text(0);
    t.definition = nlohmann::json::parse(ts.text(1), nullptr, false);
    if (!t.definition.is_object())
      return make_error(ErrorKind::kInternal, "StoreError", "table " + t.name + ": unreadable definition");
    tables[t.name] = std::move(t);
  }
  sqlite::Statement is(*db_, "SELECT tbl, key, item FROM dynamo_items");
  while (is.row()) {
    auto it = tables.find(is.text(0));
    if (it == tables.end()) continue;
    auto item = nlohmann::json::parse(is.text(2), nullptr, false);
    if (item.is_object()) it->second.items[is.text(1)] = std::move(item);
  }
  std::vector<TableRecord> out;
  for (auto& [_, t] : tables) out.push_back(std::move(t));
  return out;
}

}  // namespace ebbflow::cloud
