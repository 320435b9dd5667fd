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
  sqlite::Statement st(*db_, "INSERT OR REPLACE INTO dynamo_tables VALUES (?1, ?2)");
  st.bind(1, t.name).bind(2, t.definition.dump());
  if (!st.done()) return db_->error("write table " + t.name);
  return {};
}

Status TableStore::delete_table(const std::string& name) {
  sqlite::Transaction txn(*db_);
  if (!txn.ok()) return txn.begun();
  for (const char* sql : {"DELETE FROM dynamo_items WHERE tbl = ?1", "DELETE FROM dynamo_tables WHERE name = ?1"}) {
    sqlite::Statement st(*db_, sql);
    st.bind(1, name);
    if (!st.done()) return db_->error("delete table " + name);
  }
  return txn.commit();
}

Status TableStore::put_item(const std::string& table, const std::string& key, const nlohmann::json& item) {
  sqlite::Statement st(*db_, "INSERT OR REPLACE INTO dynamo_items VALUES (?1, ?2, ?3)");
  st.bind(1, table).bind(2, key).bind(3, item.dump());
  if (!st.done()) return db_->error("write item of " + table);
  return {};
}

Status TableStore::delete_item(const std::string& table, const std::string& key) {
  sqlite::Statement st(*db_, "DELETE FROM dynamo_items WHERE tbl = ?1 AND key = ?2");
  st.bind(1, table).bind(2, key);
  if (!st.done()) return db_->error("delete item of " + table);
  return {};
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
