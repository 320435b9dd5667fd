// TableService: the DynamoDB operations over in-memory tables, written through to TableStore.
// Messages copy DynamoDB's wording where ebbflow or the AWS CLI may show them.
#include "cloud/table_service.h"

#include <algorithm>
#include <regex>
#include <set>

#include "cloud/model.h"
#include "cloud/table_store.h"

namespace ebbflow::cloud {

namespace {

using nlohmann::json;

constexpr const char* kAccount = "000000000000";
constexpr size_t kMaxBatchGetKeys = 100;
constexpr size_t kMaxItemBytes = 400 * 1024;
const std::set<std::string> kValueTypes = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};

Error invalid(const std::string& message) { return make_error(ErrorKind::kInvalidInput, "ValidationException", message); }
Error not_found(const std::string& message) {
  return make_error(ErrorKind::kNotFound, "ResourceNotFoundException", message);
}

JsonReply to_reply(const Error& e) {
  if (e.kind == ErrorKind::kInternal)
    return json_error_reply("com.amazonaws.dynamodb.v20120810#InternalServerError", e.message, "", 500);
  if (e.code == "ValidationException") return json_error_reply("com.amazon.coral.validate#ValidationException", e.message);
  if (e.code == "UnknownOperationException")
    return json_error_reply("com.amazon.coral.service#UnknownOperationException", e.message);
  return json_error_reply("com.amazonaws.dynamodb.v20120810#" + e.code, e.message);
}

bool valid_table_name(const std::string& s) {
  return s.size() >= 3 && s.size() <= 255 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
         });
}

bool is_attribute_value(const json& v) {
  return v.is_object() && v.size() == 1 && kValueTypes.count(v.begin().key()) > 0;
}

Status check_item(const json& item, const char* what) {
  if (!item.is_object()) return invalid(std::string(what) + " must be a map of attribute values");
  for (const auto& [name, value] : item.items())
    if (!is_attribute_value(value))
      return invalid("Supplied AttributeValue is empty or has more than one datatype set; attribute: " + name);
  return {};
}

// "#k" through ExpressionAttributeNames; plain names as they are.
Result<std::string> resolve_name(const std::string& token, const json& req) {
  if (token.empty() || token[0] != '#') return token;
  auto names = req.find("ExpressionAttributeNames");
  if (names == req.end() || !names->is_object() || !names->contains(token) || !(*names)[token].is_string())
    return invalid("Value provided in ExpressionAttributeNames unused in expressions or not defined; attribute name: " +
                   token);
  return (*names)[token].get<std::string>();
}

Result<json> resolve_value(const std::string& token, const json& req) {
  auto values = req.find("ExpressionAttributeValues");
  if (values == req.end() || !values->is_object() || !values->contains(token))
    return invalid("An expression attribute value used in expression is not defined; attribute value: " + token);
  if (!is_attribute_value((*values)[token])) return invalid("Invalid attribute value for " + token);
  return (*values)[token];
}

Result<std::string> string_param(const json& req, const char* name) {
  auto it = req.find(name);
  if (it == req.end() || !it->is_string())
    return invalid(std::string("1 validation error detected: Value null at '") + name +
                   "' failed to satisfy constraint: Member must not be null");
  return it->get<std::string>();
}

// Top-level attribute names of a ProjectionExpression ("a, #b"); empty = everything.
Result<std::vector<std::string>> projection(const json& req) {
  std::vector<std::string> out;
  if (!req.contains("ProjectionExpression") || !req["ProjectionExpression"].is_string()) return out;
  std::string expr = req["ProjectionExpression"].get<std::string>();
  size_t start = 0;
  while (start <= expr.size()) {
    size_t comma = expr.find(',', start);
    std::string token = expr.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    token.erase(0, token.find_first_not_of(" \t"));
    token.erase(token.find_last_not_of(" \t") + 1);
    if (token.empty() || token.find_first_of(".[") != std::string::npos)
      return invalid("Invalid ProjectionExpression (the local cloud supports top-level attribute names): " + expr);
    auto name = resolve_name(token, req);
    if (!name.ok()) return name.error();
    out.push_back(*name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// ReturnValues of PutItem/DeleteItem: NONE (default) or ALL_OLD.
Result<bool> return_old(const json& req) {
  auto it = req.find("ReturnValues");
  if (it == req.end() || it->is_null()) return false;
  if (!it->is_string() || (*it != "NONE" && *it != "ALL_OLD"))
    return invalid("Return values set to invalid value: ReturnValues must be NONE or ALL_OLD");
  return *it == "ALL_OLD";
}

// A positive "Limit", else `fallback`.
size_t limit_param(const json& req, size_t fallback) {
  auto it = req.find("Limit");
  if (it == req.end() || !it->is_number_integer() || it->get<int64_t>() < 1) return fallback;
  return static_cast<size_t>(it->get<int64_t>());
}

json project(const json& item, const std::vector<std::string>& names) {
  if (names.empty()) return item;
  json out = json::object();
  for (const auto& n : names)
    if (item.contains(n)) out[n] = item[n];
  return out;
}

}  // namespace

struct TableService::Impl {
  TableServiceOptions options;
  std::unique_ptr<TableStore> store;
  std::map<std::string, TableRecord> tables;

  Result<TableRecord*> table_of(const json& req) {
    auto name = string_param(req, "TableName");
    if (!name.ok()) return name.error();
    auto it = tables.find(*name);
    if (it == tables.end()) return not_found("Requested resource not found: Table: " + *name + " not found");
    return &it->second;
  }

  // The canonical key of an item or Key map; `exact` requires no other attributes (a Key).
  Result<std::string> key_of(const TableRecord& t, const json& m, bool exact) {
    if (!m.is_object()) return invalid("The provided key element does not match the schema");
    auto it = m.find(t.hash_key);
    if (it == m.end()) {
      return invalid(exact ? "The provided key element does not match the schema"
                           : "One or more parameter values were invalid: Missing the key " + t.hash_key + " in the item");
    }
    if (exact && m.size() != 1) return invalid("The provided key element does not match the schema");
    if (!it->is_object() || it->size() != 1 || !it->contains(t.hash_type) || !(*it)[t.hash_type].is_string()) {
      std::string actual = it->is_object() && !it->empty() ? it->begin().key() : "?";
      return invalid("One or more parameter values were invalid: Type mismatch for key " + t.hash_key +
                     " expected: " + t.hash_type + " actual: " + actual);
    }
    std::string v = (*it)[t.hash_type].get<std::string>();
    if (v.empty())
      return invalid("One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
                     "contain an empty string value. Key: " + t.hash_key);
    return t.hash_type + ":" + v;
  }

  json describe(const TableRecord& t, const std::string& status) const {
    const json& d = t.definition;
    size_t bytes = 0;
    for (const auto& [_, item] : t.items) bytes += item.dump().size();
    json out = {{"AttributeDefinitions", d["AttributeDefinitions"]},
                {"TableName", t.name},
                {"KeySchema", d["KeySchema"]},
                {"TableStatus", status},
                {"CreationDateTime", d["CreationDateTime"]},
                {"ProvisionedThroughput",
                 {{"NumberOfDecreasesToday", 0},
                  {"ReadCapacityUnits", d.value("ReadCapacityUnits", 0)},
                  {"WriteCapacityUnits", d.value("WriteCapacityUnits", 0)}}},
                {"TableSizeBytes", bytes},
                {"ItemCount", t.items.size()},
                {"TableArn", "arn:aws:dynamodb:" + options.region + ":" + kAccount + ":table/" + t.name},
                {"TableId", d["TableId"]},
                {"DeletionProtectionEnabled", false}};
    if (d["BillingMode"] == "PAY_PER_REQUEST")
      out["BillingModeSummary"] = {{"BillingMode", "PAY_PER_REQUEST"},
                                   {"LastUpdateToPayPerRequestDateTime", d["CreationDateTime"]}};
    return out;
  }

  Result<json> create_table(const json& req, int64_t now_s) {
    auto name = string_param(req, "TableName");
    if (!name.ok()) return name.error();
    if (!valid_table_name(*name))
      return invalid("TableName must be 3 to 255 characters of [a-zA-Z0-9_.-]: " + *name);
    for (const char* unsupported : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"})
      if (req.contains(unsupported))
        return invalid(std::string(unsupported) + " is not supported by the ebbflow local cloud");
    const json& schema = req.value("KeySchema", json());
    const json& defs = req.value("AttributeDefinitions", json());
    if (!schema.is_array() || schema.empty() || !defs.is_array())
      return invalid("1 validation error detected: KeySchema and AttributeDefinitions are required");
    TableRecord t;
    t.name = *name;
    for (const auto& k : schema) {
      std::string type = k.value("KeyType", "");
      if (type == "RANGE") return invalid("Range keys are not supported by the ebbflow local cloud (hash keys only)");
      if (type != "HASH" || !t.hash_key.empty())
        return invalid("Invalid KeySchema: exactly one HASH key is required");
      t.hash_key = k.value("AttributeName", "");
    }
    if (defs.size() != schema.size())
      return invalid("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly "
                     "match number of attributes defined in AttributeDefinitions");
    for (const auto& d : defs)
      if (d.value("AttributeName", "") == t.hash_key) t.hash_type = d.value("AttributeType", "");
    if (t.hash_type != "S" && t.hash_type != "N" && t.hash_type != "B")
      return invalid("One or more parameter values were invalid: Some index key attributes are not defined in "
                     "AttributeDefinitions (or have a type other than S, N, B). Keys: [" + t.hash_key + "]");
    if (tables.count(t.name)) return make_error(ErrorKind::kGiveUp, "ResourceInUseException", "Table already exists: " + t.name);
    std::string billing = req.value("BillingMode", "PROVISIONED");
    json throughput = req.value("ProvisionedThroughput", json::object());
    if (billing == "PROVISIONED" && !throughput.contains("ReadCapacityUnits"))
      return invalid("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both "
                     "be specified when BillingMode is PROVISIONED");
    t.definition = {{"KeySchema", schema},
                    {"AttributeDefinitions", defs},
                    {"BillingMode", billing},
                    {"CreationDateTime", now_s},
                    {"TableId", random_hex(8) + "-" + random_hex(4) + "-" + random_hex(4) + "-" + random_hex(4) + "-" +
                                    random_hex(12)}};
    if (billing == "PROVISIONED") {
      t.definition["ReadCapacityUnits"] = throughput.value("ReadCapacityUnits", 0);
      t.definition["WriteCapacityUnits"] = throughput.value("WriteCapacityUnits", 0);
    }
    if (auto s = store->put_table(t); !s.ok()) return s.error();
    auto& stored = tables[t.name] = std::move(t);
    return json{{"TableDescription", describe(stored, "ACTIVE")}};
  }

  Result<json> describe_table(const json& req) {
    auto t = table_of(req);
    if (!t.ok()) return t.error();
    return json{{"Table", describe(**t, "ACTIVE")}};
  }

  Result<json> delete_table(const json& req) {
    auto t = table_of(req);
    if (!t.ok()) return t.error();
    json desc = describe(**t, "DELETING");
    std::string name = (*t)->name;
    if (auto s = store->delete_table(name); !s.ok()) return s.error();
    tables.erase(name);
    return json{{"TableDescription", desc}};
  }

  Result<json> list_tables(const json& req) {
    std::string start = req.value("ExclusiveStartTableName", "");
    size_t limit = limit_param(req, 100);
    json names = json::array();
    std::string last;
    for (auto it = tables.upper_bound(start); it != tables.end(); ++it) {
      if (names.size() == limit) {
        last = names.back();
        break;
      }
      names.push_back(it->first);
    }
    json out = {{"TableNames", names}};
    if (!last.empty()) out["LastEvaluatedTableName"] = last;
    return out;
  }

  // ConditionExpression: attribute_exists(x) / attribute_not_exists(x) only.
  Status check_condition(const json& req, const json* existing) {
    if (!req.contains("ConditionExpression")) return {};
    static const std::regex form(R"(^\s*(attribute_exists|attribute_not_exists)\s*\(\s*(#?[A-Za-z0-9_]+)\s*\)\s*$)");
    std::smatch m;
    std::string expr = req["ConditionExpression"].is_string() ? req["ConditionExpression"].get<std::string>() : "";
    if (!std::regex_match(expr, m, form))
      return invalid("Invalid ConditionExpression: the ebbflow local cloud supports attribute_exists(name) and "
                     "attribute_not_exists(name) only: " + expr);
    auto name = resolve_name(m[2], req);
    if (!name.ok()) return name.error();
    bool present = existing && existing->contains(*name);
    if (present != (m[1] == "attribute_exists"))
      return make_error(ErrorKind::kGiveUp, "ConditionalCheckFailedException", "The conditional request failed");
    return {};
  }

  Result<json> put_item(const json& req) {
    auto t = table_of(req);
    if (!t.ok()) return t.error();
    const json& item = req.value("Item", json());
    if (auto s = check_item(item, "Item"); !s.ok()) return s.error();
    auto key = key_of(**t, item, false);
    if (!key.ok()) return key.error();
    if (item.dump().size() > kMaxItemBytes) return invalid("Item size has exceeded the maximum allowed size");
    auto old = (*t)->items.find(*key);
    const json* existing = old == (*t)->items.end() ? nullptr : &old->second;
    auto want_old = return_old(req);
    if (!want_old.ok()) return want_old.error();
    if (auto s = check_condition(req, existing); !s.ok()) return s.error();
    json out = json::object();
    if (existing && *want_old) out["Attributes"] = *existing;
    if (auto s = store->put_item((*t)->name, *key, item); !s.ok()) return s.error();
    (*t)->items[*key] = item;
    return out;
  }

  Result<json> get_item(const json& req) {
    auto t = table_of(req);
    if (!t.ok()) return t.error();
    auto key = key_of(**t, req.value("Key", json()), true);
    if (!key.ok()) return key.error();
    auto names = projection(req);
    if (!names.ok()) return names.error();
    auto it = (*t)->items.find(*key);
    if (it == (*t)->items.end()) return json::object();
    return json{{"Item", project(it->second, *names)}};
  }

  Result<json> delete_item(const json& req) {
    auto t = table_of(req);
    if (!t.ok()) return t.error();
    auto key = key_of(**t, req.value("Key", json()), true);
    if (!key.ok()) return key.error();
    auto want_old = return_old(req);
    if (!want_old.ok()) return want_old.error();
    auto it = (*t)->items.find(*key);
    if (auto s = check_condition(req, it == (*t)->items.end() ? nullptr : &it->second); !s.ok()) return s.error();
    json out = json::object();
    if (it == (*t)->items.end()) return out;
    if (*want_old) out["Attributes"] = it->second;
    if (auto s = store->delete_item((*t)->name, *key); !s.ok()) return s.error();
    (*t)->items.erase(it);
    return out;
  }

  Result<json> query(const json& req) {
    auto t = table_of(req);
    if (!t.ok()) return t.error();
    auto expr = string_param(req, "KeyConditionExpression");
    if (!expr.ok()) return expr.error();
    static const std::regex forward(R"(^\s*(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)\s*$)");
    static const std::regex backward(R"(^\s*(:[A-Za-z0-9_]+)\s*=\s*(#?[A-Za-z0-9_]+)\s*$)");
    std::smatch m;
    std::string name_token, value_token;
    if (std::regex_match(*expr, m, forward)) {
      name_token = m[1], value_token = m[2];
    } else if (std::regex_match(*expr, m, backward)) {
      name_token = m[2], value_token = m[1];
    } else {
      return invalid("Invalid KeyConditionExpression: the ebbflow local cloud supports '<hash key> = :value' only: " +
                     *expr);
    }
    auto name = resolve_name(name_token, req);
    if (!name.ok()) return name.error();
    if (*name != (*t)->hash_key) return invalid("Query condition missed key schema element: " + (*t)->hash_key);
    auto value = resolve_value(value_token, req);
    if (!value.ok()) return value.error();
    auto key = key_of(**t, json{{*name, *value}}, true);
    if (!key.ok()) return key.error();
    auto names = projection(req);
    if (!names.ok()) return names.error();
    json items = json::array();
    if (auto it = (*t)->items.find(*key); it != (*t)->items.end()) items.push_back(project(it->second, *names));
    json out = {{"Count", items.size()}, {"ScannedCount", items.size()}};
    if (req.value("Select", "") != "COUNT") out["Items"] = items;
    return out;
  }

  Result<json> scan(const json& req) {
    auto t = table_of(req);
    if (!t.ok()) return t.error();
    auto names = projection(req);
    if (!names.ok()) return names.error();
    size_t limit = limit_param(req, SIZE_MAX);
    auto it = (*t)->items.begin();
    if (req.contains("ExclusiveStartKey")) {
      auto start = key_of(**t, req["ExclusiveStartKey"], true);
      if (!start.ok()) return start.error();
      it = (*t)->items.upper_bound(*start);
    }
    json items = json::array();
    json out = json::object();
    for (; it != (*t)->items.end(); ++it) {
      if (items.size() == limit) {
        out["LastEvaluatedKey"] = {{(*t)->hash_key, std::prev(it)->second[(*t)->hash_key]}};
        break;
      }
      items.push_back(project(it->second, *names));
    }
    out["Items"] = items;
    out["Count"] = items.size();
    out["ScannedCount"] = items.size();
    return out;
  }

  Result<json> batch_get_item(const json& req) {
    const json& request_items = req.value("RequestItems", json());
    if (!request_items.is_object() || request_items.empty())
      return invalid("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must "
                     "have length greater than or equal to 1");
    size_t total = 0;
    for (const auto& [_, spec] : request_items.items())
      total += spec.contains("Keys") && spec["Keys"].is_array() ? spec["Keys"].size() : 0;
    if (total > kMaxBatchGetKeys) return invalid("Too many items requested for the BatchGetItem call");
    json responses = json::object();
    for (const auto& [table_name, spec] : request_items.items()) {
      auto t = table_of(json{{"TableName", table_name}});
      if (!t.ok()) return t.error();
      if (!spec.contains("Keys") || !spec["Keys"].is_array() || spec["Keys"].empty())
        return invalid("1 validation error detected: Keys of " + table_name + " must have at least one key");
      auto names = projection(spec.contains("ExpressionAttributeNames")
                                  ? json{{"ProjectionExpression", spec.value("ProjectionExpression", "")},
                                         {"ExpressionAttributeNames", spec["ExpressionAttributeNames"]}}
                                  : spec);
      if (!names.ok()) return names.error();
      std::set<std::string> seen;
      json found = json::array();
      for (const auto& k : spec["Keys"]) {
        auto key = key_of(**t, k, true);
        if (!key.ok()) return key.error();
        if (!seen.insert(*key).second) return invalid("Provided list of item keys contains duplicates");
        if (auto it = (*t)->items.find(*key); it != (*t)->items.end()) found.push_back(project(it->second, *names));
      }
      responses[table_name] = found;
    }
    return json{{"Responses", responses}, {"UnprocessedKeys", json::object()}};
  }

  Result<json> dispatch(const std::string& op, const json& req, int64_t now_s) {
    if (op == "CreateTable") return create_table(req, now_s);
    if (op == "DescribeTable") return describe_table(req);
    if (op == "DeleteTable") return delete_table(req);
    if (op == "ListTables") return list_tables(req);
    if (op == "PutItem") return put_item(req);
    if (op == "GetItem") return get_item(req);
    if (op == "DeleteItem") return delete_item(req);
    if (op == "Query") return query(req);
    if (op == "Scan") return scan(req);
    if (op == "BatchGetItem") return batch_get_item(req);
    return make_error(ErrorKind::kGiveUp, "UnknownOperationException", "");
  }
};

Result<std::unique_ptr<TableService>> TableService::open(TableServiceOptions options) {
  auto store = TableStore::open(options.db_path);
  if (!store.ok()) return store.error();
  auto loaded = (*store)->load();
  if (!loaded.ok()) return loaded.error();
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->store = std::move(*store);
  for (auto& t : *loaded) {
    t.hash_key = t.definition["KeySchema"][0].value("AttributeName", "");
    for (const auto& d : t.definition["AttributeDefinitions"])
      if (d.value("AttributeName", "") == t.hash_key) t.hash_type = d.value("AttributeType", "");
    std::string name = t.name;
    impl->tables[name] = std::move(t);
  }
  return std::unique_ptr<TableService>(new TableService(std::move(impl)));
}

TableService::TableService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TableService::~TableService() = default;

JsonReply TableService::handle(const std::string& operation, const nlohmann::json& request, int64_t now_s) {
  if (!request.is_object())
    return json_error_reply("com.amazon.coral.service#SerializationException", "The request body must be a JSON object.");
  std::lock_guard lock(mu_);
  try {
    auto result = impl_->dispatch(operation, request, now_s);
    if (!result.ok()) return to_reply(result.error());
    return JsonReply{200, std::move(*result), {}};
  } catch (const nlohmann::json::exception& e) {
    // A member of the wrong JSON type met a typed read; every operation validates before it
    // changes anything, so no state is half-written.
    return to_reply(invalid(std::string("a request member has the wrong type: ") + e.what()));
  }
}

}  // namespace ebbflow::cloud
