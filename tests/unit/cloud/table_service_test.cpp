// TableService (the local cloud's DynamoDB): table lifecycle, typed item round trips, key
// validation, Query on the hash key, BatchGetItem limits, conditions, and persistence.
#include "cloud/table_service.h"

#include <gtest/gtest.h>

#include "test_dir.h"

namespace ebbflow::cloud {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'790'000'000;

class TableServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reopen();
    ok("CreateTable", {{"TableName", "c1-hosts"},
                       {"AttributeDefinitions", {{{"AttributeName", "instanceId"}, {"AttributeType", "S"}}}},
                       {"KeySchema", {{{"AttributeName", "instanceId"}, {"KeyType", "HASH"}}}},
                       {"BillingMode", "PAY_PER_REQUEST"}});
  }
  void reopen() {
    svc_.reset();
    auto s = TableService::open({dir_.path() + "/dynamodb.db", "us-east-1"});
    ASSERT_TRUE(s.ok()) << s.error().describe();
    svc_ = std::move(*s);
  }
  json ok(const std::string& op, const json& req) {
    JsonReply r = svc_->handle(op, req, kNow);
    EXPECT_EQ(r.http_status, 200) << op << ": " << r.body.dump();
    return r.body;
  }
  std::string error_type(const std::string& op, const json& req) {
    JsonReply r = svc_->handle(op, req, kNow);
    EXPECT_EQ(r.http_status, 400) << op << ": " << r.body.dump();
    return r.body.value("__type", "");
  }
  static json host(const std::string& id, const std::string& hostname) {
    return {{"instanceId", {{"S", id}}}, {"hostname", {{"S", hostname}}}};
  }
  static json key(const std::string& id) { return {{"instanceId", {{"S", id}}}}; }

  testing::TempDir dir_;
  std::unique_ptr<TableService> svc_;
};

TEST_F(TableServiceTest, DescribeShowsAnActiveTableAndCreatingTwiceIsResourceInUse) {
  json t = ok("DescribeTable", {{"TableName", "c1-hosts"}})["Table"];
  EXPECT_EQ(t["TableStatus"], "ACTIVE");
  EXPECT_EQ(t["KeySchema"][0]["AttributeName"], "instanceId");
  EXPECT_EQ(t["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
  EXPECT_EQ(t["TableArn"], "arn:aws:dynamodb:us-east-1:000000000000:table/c1-hosts");
  EXPECT_EQ(t["ItemCount"], 0);
  EXPECT_EQ(error_type("CreateTable", {{"TableName", "c1-hosts"},
                                       {"AttributeDefinitions", {{{"AttributeName", "instanceId"}, {"AttributeType", "S"}}}},
                                       {"KeySchema", {{{"AttributeName", "instanceId"}, {"KeyType", "HASH"}}}},
                                       {"BillingMode", "PAY_PER_REQUEST"}}),
            "com.amazonaws.dynamodb.v20120810#ResourceInUseException");
  EXPECT_EQ(error_type("DescribeTable", {{"TableName", "nope"}}),
            "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
}

TEST_F(TableServiceTest, CreateTableValidatesTheKeySchema) {
  json defs = {{{"AttributeName", "a"}, {"AttributeType", "S"}}};
  EXPECT_EQ(error_type("CreateTable", {{"TableName", "t1"}, {"AttributeDefinitions", defs},
                                       {"KeySchema", {{{"AttributeName", "b"}, {"KeyType", "HASH"}}}},
                                       {"BillingMode", "PAY_PER_REQUEST"}}),
            "com.amazon.coral.validate#ValidationException");
  json two = {{{"AttributeName", "a"}, {"AttributeType", "S"}}, {{"AttributeName", "x"}, {"AttributeType", "S"}}};
  EXPECT_EQ(error_type("CreateTable", {{"TableName", "t1"}, {"AttributeDefinitions", two},
                                       {"KeySchema", {{{"AttributeName", "a"}, {"KeyType", "HASH"}}}},
                                       {"BillingMode", "PAY_PER_REQUEST"}}),
            "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(error_type("CreateTable", {{"TableName", "t1"}, {"AttributeDefinitions", defs},
                                       {"KeySchema", {{{"AttributeName", "a"}, {"KeyType", "HASH"}}}}}),
            "com.amazon.coral.validate#ValidationException");  // PROVISIONED without throughput
}

TEST_F(TableServiceTest, ItemsOfEveryTypeRoundTrip) {
  json item = {{"instanceId", {{"S", "i-1"}}},
               {"hostname", {{"S", "ip-10-0-0-1"}}},
               {"slots", {{"N", "4"}}},
               {"blob", {{"B", "aGVsbG8="}}},
               {"ok", {{"BOOL", true}}},
               {"none", {{"NULL", true}}},
               {"tags", {{"SS", {"a", "b"}}}},
               {"nested", {{"M", {{"x", {{"L", {{{"N", "1"}}, {{"S", "two"}}}}}}}}}}};
  ok("PutItem", {{"TableName", "c1-hosts"}, {"Item", item}});
  json got = ok("GetItem", {{"TableName", "c1-hosts"}, {"Key", key("i-1")}, {"ConsistentRead", true}});
  EXPECT_EQ(got["Item"], item);
  // Replaced as a whole by a second put.
  ok("PutItem", {{"TableName", "c1-hosts"}, {"Item", host("i-1", "h2")}});
  EXPECT_EQ(ok("GetItem", {{"TableName", "c1-hosts"}, {"Key", key("i-1")}})["Item"], host("i-1", "h2"));
  // Missing item: no Item member.
  EXPECT_FALSE(ok("GetItem", {{"TableName", "c1-hosts"}, {"Key", key("i-2")}}).contains("Item"));
}

TEST_F(TableServiceTest, KeysAreValidated) {
  EXPECT_EQ(error_type("PutItem", {{"TableName", "c1-hosts"}, {"Item", {{"hostname", {{"S", "h"}}}}}}),
            "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(error_type("PutItem", {{"TableName", "c1-hosts"}, {"Item", {{"instanceId", {{"N", "1"}}}}}}),
            "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(error_type("PutItem", {{"TableName", "c1-hosts"}, {"Item", {{"instanceId", {{"S", ""}}}}}}),
            "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(error_type("GetItem", {{"TableName", "c1-hosts"}, {"Key", host("i-1", "extra attribute")}}),
            "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(error_type("PutItem", {{"TableName", "nope"}, {"Item", host("i-1", "h")}}),
            "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
}

TEST_F(TableServiceTest, DeleteItemRemovesAndReturnsOldValues) {
  ok("PutItem", {{"TableName", "c1-hosts"}, {"Item", host("i-1", "h1")}});
  json r = ok("DeleteItem", {{"TableName", "c1-hosts"}, {"Key", key("i-1")}, {"ReturnValues", "ALL_OLD"}});
  EXPECT_EQ(r["Attributes"], host("i-1", "h1"));
  EXPECT_FALSE(ok("GetItem", {{"TableName", "c1-hosts"}, {"Key", key("i-1")}}).contains("Item"));
  EXPECT_FALSE(ok("DeleteItem", {{"TableName", "c1-hosts"}, {"Key", key("i-1")}}).contains("Attributes"));
}

TEST_F(TableServiceTest, QueryOnTheHashKeyWithNamePlaceholdersOrPlainNames) {
  ok("PutItem", {{"TableName", "c1-hosts"}, {"Item", host("i-1", "h1")}});
  ok("PutItem", {{"TableName", "c1-hosts"}, {"Item", host("i-2", "h2")}});
  json r = ok("Query", {{"TableName", "c1-hosts"},
                        {"KeyConditionExpression", "#k = :v"},
                        {"ExpressionAttributeNames", {{"#k", "instanceId"}}},
                        {"ExpressionAttributeValues", {{":v", {{"S", "i-2"}}}}}});
  EXPECT_EQ(r["Count"], 1);
  ASSERT_EQ(r["Items"].size(), 1u);
  EXPECT_EQ(r["Items"][0], host("i-2", "h2"));
  r = ok("Query", {{"TableName", "c1-hosts"},
                   {"KeyConditionExpression", "instanceId=:v"},
                   {"ExpressionAttributeValues", {{":v", {{"S", "i-3"}}}}}});
  EXPECT_EQ(r["Count"], 0);
  EXPECT_EQ(error_type("Query", {{"TableName", "c1-hosts"},
                                 {"KeyConditionExpression", "hostname = :v"},
                                 {"ExpressionAttributeValues", {{":v", {{"S", "h1"}}}}}}),
            "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(error_type("Query", {{"TableName", "c1-hosts"}, {"KeyConditionExpression", "#k = :v"},
                                 {"ExpressionAttributeValues", {{":v", {{"S", "h1"}}}}}}),
            "com.amazon.coral.validate#ValidationException");  // #k undefined
}

TEST_F(TableServiceTest, BatchGetItemReturnsFoundItemsAndEnforcesLimits) {
  for (int i = 0; i < 5; ++i)
    ok("PutItem", {{"TableName", "c1-hosts"}, {"Item", host("i-" + std::to_string(i), "h" + std::to_string(i))}});
  json keys = {key("i-1"), key("i-3"), key("i-9")};
  json r = ok("BatchGetItem", {{"RequestItems", {{"c1-hosts", {{"Keys", keys}, {"ConsistentRead", true}}}}}});
  ASSERT_EQ(r["Responses"]["c1-hosts"].size(), 2u);
  EXPECT_EQ(r["UnprocessedKeys"], json::object());
  std::set<std::string> ids;
  for (const auto& item : r["Responses"]["c1-hosts"]) ids.insert(item["instanceId"]["S"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{"i-1", "i-3"}));

  json many = json::array();
  for (int i = 0; i < 101; ++i) many.push_back(key("i-" + std::to_string(i)));
  EXPECT_EQ(error_type("BatchGetItem", {{"RequestItems", {{"c1-hosts", {{"Keys", many}}}}}}),
            "com.amazon.coral.validate#ValidationException");
  json dup = {key("i-1"), key("i-1")};
  EXPECT_EQ(error_type("BatchGetItem", {{"RequestItems", {{"c1-hosts", {{"Keys", dup}}}}}}),
            "com.amazon.coral.validate#ValidationException");
}

TEST_F(TableServiceTest, ConditionalPut) {
  json req = {{"TableName", "c1-hosts"}, {"Item", host("i-1", "h1")}, {"ConditionExpression", "attribute_not_exists(#k)"},
              {"ExpressionAttributeNames", {{"#k", "instanceId"}}}};
  ok("PutItem", req);
  EXPECT_EQ(error_type("PutItem", req), "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
}

TEST_F(TableServiceTest, TablesAndItemsSurviveARestartAndDeleteTableRemovesThem) {
  ok("PutItem", {{"TableName", "c1-hosts"}, {"Item", host("i-1", "h1")}});
  reopen();
  EXPECT_EQ(ok("GetItem", {{"TableName", "c1-hosts"}, {"Key", key("i-1")}})["Item"], host("i-1", "h1"));
  EXPECT_EQ(ok("DescribeTable", {{"TableName", "c1-hosts"}})["Table"]["ItemCount"], 1);
  EXPECT_EQ(ok("ListTables", json::object())["TableNames"], json({"c1-hosts"}));
  EXPECT_EQ(ok("DeleteTable", {{"TableName", "c1-hosts"}})["TableDescription"]["TableStatus"], "DELETING");
  reopen();
  EXPECT_EQ(error_type("GetItem", {{"TableName", "c1-hosts"}, {"Key", key("i-1")}}),
            "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
}

TEST_F(TableServiceTest, ScanPaginatesWithLimit) {
  for (int i = 0; i < 3; ++i)
    ok("PutItem", {{"TableName", "c1-hosts"}, {"Item", host("i-" + std::to_string(i), "h")}});
  json page = ok("Scan", {{"TableName", "c1-hosts"}, {"Limit", 2}});
  EXPECT_EQ(page["Count"], 2);
  ASSERT_TRUE(page.contains("LastEvaluatedKey"));
  json rest = ok("Scan", {{"TableName", "c1-hosts"}, {"ExclusiveStartKey", page["LastEvaluatedKey"]}});
  EXPECT_EQ(rest["Count"], 1);
  EXPECT_FALSE(rest.contains("LastEvaluatedKey"));
}

TEST_F(TableServiceTest, MembersOfTheWrongTypeAreValidationErrorsNotCrashes) {
  EXPECT_EQ(error_type("CreateTable", {{"TableName", "t2"}, {"KeySchema", {1, 2}}, {"AttributeDefinitions", {3}},
                                       {"BillingMode", 7}}),
            "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(error_type("PutItem", {{"TableName", "c1-hosts"}, {"Item", host("i-1", "h")}, {"ReturnValues", 5}}),
            "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(error_type("BatchGetItem", {{"RequestItems", {{"c1-hosts", 5}}}}),
            "com.amazon.coral.validate#ValidationException");
  // Nothing was written by the failed put.
  EXPECT_FALSE(ok("GetItem", {{"TableName", "c1-hosts"}, {"Key", key("i-1")}}).contains("Item"));
}

}  // namespace
}  // namespace ebbflow::cloud
