// SqsClient and DynamoDbClient against a running `ebbflow cloud serve`, driven by
// tests/integration/cloud/test_sqs_dynamodb.py (which sets EBBFLOW_LIVE_* and prepares state
// with the AWS CLI). Skipped when EBBFLOW_LIVE_ENDPOINT is not set, e.g. in a plain unit run.
//
// Expects: queue EBBFLOW_LIVE_QUEUE holding exactly one message with body "from-cli"; table
// EBBFLOW_LIVE_TABLE (hash key instanceId) with item {instanceId: i-cli, hostname: cli-host}.
// Leaves: message "from-ebbflow" on the queue; item {instanceId: i-ebbflow, hostname:
// ebbflow-host} in the table; the "from-cli" message deleted.
#include <gtest/gtest.h>

#include <cstdlib>

#include "aws/dynamodb.h"
#include "aws/sqs.h"

namespace ebbflow::aws {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

ClientConfig live_config() {
  ClientConfig c;
  c.endpoint = env("EBBFLOW_LIVE_ENDPOINT");
  c.region = env("EBBFLOW_LIVE_REGION");
  c.credentials = {env("EBBFLOW_LIVE_KEY"), env("EBBFLOW_LIVE_SECRET"), ""};
  return c;
}

TEST(SqsDynamoLive, SharesStateWithTheAwsCli) {
  if (env("EBBFLOW_LIVE_ENDPOINT").empty()) GTEST_SKIP() << "EBBFLOW_LIVE_ENDPOINT not set (run by the integration test)";
  SqsClient sqs(live_config(), std::make_unique<CurlHttpClient>());
  DynamoDbClient ddb(live_config(), std::make_unique<CurlHttpClient>());
  const std::string queue = env("EBBFLOW_LIVE_QUEUE"), table = env("EBBFLOW_LIVE_TABLE");

  auto url = sqs.get_queue_url(queue);
  ASSERT_TRUE(url.ok()) << url.error().describe();
  EXPECT_EQ(*url, env("EBBFLOW_LIVE_ENDPOINT") + "/000000000000/" + queue);
  auto missing = sqs.get_queue_url(queue + "-nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);

  auto got = sqs.receive_messages({*url, 10, 5, std::nullopt});
  ASSERT_TRUE(got.ok()) << got.error().describe();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].body, "from-cli");
  EXPECT_EQ((*got)[0].approximate_receive_count, 1);
  EXPECT_GT((*got)[0].sent_timestamp_ms, 1'600'000'000'000);
  auto failures = sqs.delete_message_batch(*url, {(*got)[0].receipt_handle, "garbage"});
  ASSERT_TRUE(failures.ok()) << failures.error().describe();
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_EQ((*failures)[0].id, "1");
  EXPECT_EQ((*failures)[0].code, "ReceiptHandleIsInvalid");
  auto bad = sqs.delete_message(*url, "garbage");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
  auto sent = sqs.send_message(*url, "from-ebbflow");
  ASSERT_TRUE(sent.ok()) << sent.error().describe();

  auto item = ddb.get_item(table, "instanceId", "i-cli");
  ASSERT_TRUE(item.ok()) << item.error().describe();
  ASSERT_TRUE(item->has_value());
  EXPECT_EQ((**item).at("hostname"), "cli-host");
  ASSERT_TRUE(ddb.put_item(table, {{"instanceId", "i-ebbflow"}, {"hostname", "ebbflow-host"}}).ok());
  auto both = ddb.batch_get_item(table, "instanceId", {"i-cli", "i-ebbflow", "i-none"});
  ASSERT_TRUE(both.ok()) << both.error().describe();
  EXPECT_EQ(both->size(), 2u);
  auto queried = ddb.query(table, "instanceId", "i-ebbflow");
  ASSERT_TRUE(queried.ok()) << queried.error().describe();
  ASSERT_EQ(queried->size(), 1u);
  EXPECT_EQ((*queried)[0].at("hostname"), "ebbflow-host");
  auto again = ddb.create_table(table, "instanceId");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "ResourceInUseException");
}

}  // namespace
}  // namespace ebbflow::aws
