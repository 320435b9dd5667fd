// The local cloud's Amazon DynamoDB (AWS JSON 1.0 protocol, target "DynamoDB_20120810"): tables
// with one hash key (S, N or B), items of any attribute type kept as their typed JSON
// ({"S": ..}, {"N": ..}, {"M": {..}}, ...), written through to SQLite so a restart loses
// nothing. Tables are ACTIVE as soon as they are created; reads are always consistent.
//
// Operations: CreateTable, DescribeTable, DeleteTable, ListTables, PutItem, GetItem,
// DeleteItem, Query (KeyConditionExpression "<key> = :v" on the hash key), Scan, BatchGetItem.
// Errors are DynamoDB's (ValidationException, ResourceNotFoundException,
// ResourceInUseException, ConditionalCheckFailedException). Thread-safe (one lock).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "cloud/json_reply.h"
#include "util/result.h"

namespace ebbflow::cloud {

struct TableServiceOptions {
  std::string db_path;  // SQLite file, e.g. <state>/dynamodb.db
  std::string region = "us-east-1";
};

class TableService {
 public:
  static Result<std::unique_ptr<TableService>> open(TableServiceOptions options);
  ~TableService();

  // One DynamoDB operation ("PutItem", ...) with its JSON request at `now_s` (Unix seconds).
  JsonReply handle(const std::string& operation, const nlohmann::json& request, int64_t now_s);

 private:
  struct Impl;  // tables, the store, the operations (table_service.cpp)
  explicit TableService(std::unique_ptr<Impl> impl);

  std::mutex mu_;  // guards impl_
  std::unique_ptr<Impl> impl_;
};

}  // namespace ebbflow::cloud
