// The DynamoDB half of the local cloud's durable state: table definitions and items (typed
// attribute JSON, as on the wire) in their own SQLite file (dynamodb.db in the state directory).
// TableService keeps the working copy in memory and writes every change through; reads happen
// only at start-up. Not thread-safe (the service locks).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sqlite/database.h"
#include "util/result.h"

namespace ebbflow::cloud {

struct TableRecord {
  std::string name;
  nlohmann::json definition;  // KeySchema, AttributeDefinitions, BillingMode, CreationDateTime, TableId
  std::string hash_key;       // attribute name
  std::string hash_type;      // "S", "N" or "B"
  std::map<std::string, nlohmann::json> items;  // canonical key -> item {"attr": {"S": ".."}, ...}
};

class TableStore {
 public:
  static Result<std::unique_ptr<TableStore>> open(const std::string& path);

  Status put_table(const TableRecord& t);  // the definition only
  Status delete_table(const std::string& name);  // and its items
  Status put_item(const std::string& table, const std::string& key, const nlohmann::json& item);
  Status delete_item(const std::string& table, const std::string& key);
  // Tables with definitions and items; hash_key/hash_type are filled by the caller.
  Result<std::vector<TableRecord>> load();

 private:
  explicit TableStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace ebbflow::cloud
