// DynamoDbClient: each DynamoDbApi method as one or more AWS JSON 1.0 requests (target prefix
// "DynamoDB_20120810"), with the members botocore would send for the same call. Items are
// string attributes ({"S": ..}); other types read back as their typed JSON text.
#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "aws/dynamodb.h"
#include "aws/json_protocol.h"
#include "aws/sqs_parse.h"

namespace ebbflow::aws {

namespace {

using nlohmann::json;

constexpr const char* kTargetPrefix = "DynamoDB_20120810";
constexpr size_t kMaxBatchGetKeys = 100;
constexpr int kMaxUnprocessedRounds = 6;  // BatchGetItem re-asks for UnprocessedKeys, backing off
constexpr int kMaxQueryPages = 100000;

Error parse_dynamodb_error(const HttpResponse& resp) {
  Error e = parse_json_error(resp);
  if (e.code == "ValidationException" || e.code == "SerializationException") e.kind = ErrorKind::kInvalidInput;
  return e;
}

Result<json> call(AwsClient& client, const std::string& operation, const json& body) {
  std::string text;
  try {
    text = body.dump();
  } catch (const json::exception& e) {
    return make_error(ErrorKind::kInvalidInput, "InvalidUtf8", "DynamoDB " + operation + ": " + e.what());
  }
  auto resp = client.call("POST", "/", kJson10ContentType, text, json_target(kTargetPrefix, operation));
  if (!resp.ok()) return resp.error();
  return parse_json_reply(resp->body, "DynamoDB " + operation);
}

json key_json(const std::string& name, const std::string& value) { return {{name, {{"S", value}}}}; }

// One item map: S values as they are, other types as their JSON text.
Result<DynamoItem> to_item(const json& j) {
  if (!j.is_object()) return make_error(ErrorKind::kRetry, "MalformedResponse", "DynamoDB: an item is not a map");
  DynamoItem item;
  for (const auto& [name, value] : j.items()) {
    if (value.is_object() && value.size() == 1 && value.contains("S") && value["S"].is_string()) {
      item[name] = value["S"].get<std::string>();
    } else {
      item[name] = value.dump();
    }
  }
  return item;
}

Result<std::vector<DynamoItem>> to_items(const json& list, const std::string& what) {
  std::vector<DynamoItem> out;
  if (list.is_null()) return out;
  if (!list.is_array()) return make_error(ErrorKind::kRetry, "MalformedResponse", what + ": Items is not a list");
  for (const auto& j : list) {
    auto item = to_item(j);
    if (!item.ok()) return item.error();
    out.push_back(std::move(*item));
  }
  return out;
}

}  // namespace

Result<std::optional<DynamoItem>> parse_get_item(const std::string& body) {
  auto reply = parse_json_reply(body, "DynamoDB GetItem");
  if (!reply.ok()) return reply.error();
  if (!reply->contains("Item") || (*reply)["Item"].is_null()) return std::optional<DynamoItem>();
  auto item = to_item((*reply)["Item"]);
  if (!item.ok()) return item.error();
  return std::optional<DynamoItem>(std::move(*item));
}

DynamoDbClient::DynamoDbClient(ClientConfig config, std::unique_ptr<HttpClient> http, AwsClientHooks hooks)
    : client_(std::make_unique<AwsClient>(std::move(config), "dynamodb", std::move(http), parse_dynamodb_error,
                                          std::move(hooks))) {}

DynamoDbClient::~DynamoDbClient() = default;

Status DynamoDbClient::create_table(const std::string& table, const std::string& hash_key) {
  json body = {{"TableName", table},
               {"AttributeDefinitions", {{{"AttributeName", hash_key}, {"AttributeType", "S"}}}},
               {"KeySchema", {{{"AttributeName", hash_key}, {"KeyType", "HASH"}}}},
               {"BillingMode", "PAY_PER_REQUEST"}};
  auto reply = call(*client_, "CreateTable", body);
  if (!reply.ok()) return reply.error();
  return {};
}

Status DynamoDbClient::put_item(const std::string& table, const DynamoItem& item) {
  json attrs = json::object();
  for (const auto& [k, v] : item) attrs[k] = {{"S", v}};
  auto reply = call(*client_, "PutItem", {{"TableName", table}, {"Item", attrs}});
  if (!reply.ok()) return reply.error();
  return {};
}

Result<std::optional<DynamoItem>> DynamoDbClient::get_item(const std::string& table, const std::string& key_name,
                                                           const std::string& key_value, bool consistent_read) {
  json body = {{"TableName", table}, {"Key", key_json(key_name, key_value)}, {"ConsistentRead", consistent_read}};
  auto reply = call(*client_, "GetItem", body);
  if (!reply.ok()) return reply.error();
  return parse_get_item(reply->dump());
}

Status DynamoDbClient::delete_item(const std::string& table, const std::string& key_name, const std::string& key_value) {
  auto reply = call(*client_, "DeleteItem", {{"TableName", table}, {"Key", key_json(key_name, key_value)}});
  if (!reply.ok()) return reply.error();
  return {};
}

Result<std::vector<DynamoItem>> DynamoDbClient::query(const std::string& table, const std::string& key_name,
                                                      const std::string& key_value) {
  json base = {{"TableName", table},
               {"KeyConditionExpression", "#k = :v"},
               {"ExpressionAttributeNames", {{"#k", key_name}}},
               {"ExpressionAttributeValues", {{":v", {{"S", key_value}}}}}};
  std::vector<DynamoItem> all;
  json start;
  for (int page = 0; page < kMaxQueryPages; ++page) {
    json body = base;
    if (!start.is_null()) body["ExclusiveStartKey"] = start;
    auto reply = call(*client_, "Query", body);
    if (!reply.ok()) return reply.error();
    auto items = to_items(reply->value("Items", json()), "DynamoDB Query");
    if (!items.ok()) return items.error();
    all.insert(all.end(), items->begin(), items->end());
    json next = reply->value("LastEvaluatedKey", json());
    if (next.is_null() || next.empty()) return all;
    if (next == start) return make_error(ErrorKind::kRetry, "MalformedResponse", "DynamoDB Query: LastEvaluatedKey repeats");
    start = next;
  }
  return make_error(ErrorKind::kRetry, "MalformedResponse", "DynamoDB Query pagination did not end");
}

Result<std::vector<DynamoItem>> DynamoDbClient::batch_get_item(const std::string& table, const std::string& key_name,
                                                               const std::vector<std::string>& key_values) {
  // DynamoDB refuses duplicate keys in one request: ask each key once.
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const auto& k : key_values)
    if (seen.insert(k).second) keys.push_back(k);
  std::vector<DynamoItem> all;
  for (size_t begin = 0; begin < keys.size(); begin += kMaxBatchGetKeys) {
    json key_list = json::array();
    for (size_t i = begin; i < std::min(keys.size(), begin + kMaxBatchGetKeys); ++i)
      key_list.push_back(key_json(key_name, keys[i]));
    json request_items = {{table, {{"Keys", key_list}, {"ConsistentRead", true}}}};
    for (int round = 0;; ++round) {
      auto reply = call(*client_, "BatchGetItem", {{"RequestItems", request_items}});
      if (!reply.ok()) return reply.error();
      json responses = reply->value("Responses", json::object());
      auto items = to_items(responses.is_object() ? responses.value(table, json()) : json(), "DynamoDB BatchGetItem");
      if (!items.ok()) return items.error();
      all.insert(all.end(), items->begin(), items->end());
      json unprocessed = reply->value("UnprocessedKeys", json::object());
      if (!unprocessed.is_object() || unprocessed.empty()) break;
      if (round + 1 >= kMaxUnprocessedRounds)
        return make_error(ErrorKind::kBackOff, "UnprocessedKeys",
                          "DynamoDB BatchGetItem left keys of " + table + " unprocessed " +
                              std::to_string(kMaxUnprocessedRounds) + " times");
      // Unprocessed keys mean the table is throttled: back off before asking again.
      std::this_thread::sleep_for(std::chrono::milliseconds(50LL << round));
      request_items = unprocessed;
    }
  }
  return all;
}

}  // namespace ebbflow::aws
