// JSON 1.0 protocol errors (DynamoDB, SQS) and the AwsClient retry rules applied to them.
#include <gtest/gtest.h>

#include "aws/aws_client.h"
#include "aws/json_protocol.h"
#include "fake_http.h"

namespace ebbflow::aws {
namespace {

HttpResponse json_reply(int status, const std::string& body,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
  return HttpResponse{status, std::move(headers), body};
}

TEST(JsonProtocol, ErrorCodesAndKinds) {
  Error t = parse_json_error(json_reply(
      400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"})"));
  EXPECT_EQ(t.code, "ProvisionedThroughputExceededException");
  EXPECT_EQ(t.kind, ErrorKind::kBackOff);
  EXPECT_EQ(t.message, "slow down");

  Error nf = parse_json_error(json_reply(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"})"));
  EXPECT_EQ(nf.kind, ErrorKind::kNotFound);

  // SQS JSON: __type is the new code, x-amzn-query-error carries the Query-compatible one.
  Error sqs = parse_json_error(json_reply(400, R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})",
                                          {{"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}}));
  EXPECT_EQ(sqs.code, "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(sqs.kind, ErrorKind::kNotFound);

  Error cond = parse_json_error(json_reply(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","Message":"The conditional request failed"})"));
  EXPECT_EQ(cond.code, "ConditionalCheckFailedException");
  EXPECT_EQ(cond.kind, ErrorKind::kGiveUp);
  EXPECT_EQ(cond.message, "The conditional request failed");

  Error internal = parse_json_error(json_reply(500, R"({"__type":"com.amazon.coral.service#InternalFailure"})"));
  EXPECT_EQ(internal.code, "InternalFailure");
  EXPECT_EQ(internal.kind, ErrorKind::kRetry);

  Error garbage = parse_json_error(json_reply(403, "<html>forbidden</html>"));
  EXPECT_EQ(garbage.code, "Http403");
  EXPECT_EQ(garbage.kind, ErrorKind::kGiveUp);
}

// Docs: reliability.md, finding 9. A code without a message still says something in the log.
TEST(JsonProtocol, ErrorWithoutAMessageSaysSo) {
  for (const std::string body : {R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"})",
                                 R"({"__type":"x#ResourceNotFoundException","message":""})",
                                 R"({"__type":"x#ResourceNotFoundException","message":null})",
                                 R"({"__type":"x#ResourceNotFoundException","Message":7})"}) {
    Error e = parse_json_error(json_reply(400, body));
    EXPECT_EQ(e.code, "ResourceNotFoundException");
    EXPECT_EQ(e.message, "no message in the reply (HTTP 400)") << body;
  }
  // The code from SQS's header, with an empty body.
  Error sqs = parse_json_error(json_reply(400, "", {{"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}}));
  EXPECT_EQ(sqs.code, "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(sqs.describe(), "AWS.SimpleQueueService.NonExistentQueue: no message in the reply (HTTP 400)");
}

TEST(JsonProtocol, AwsClientSendsTargetAndRetriesThrottling) {
  auto state = std::make_shared<testing::FakeHttpState>();
  state->replies.push_back(json_reply(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException"})"));
  state->replies.push_back(json_reply(200, R"({"TableNames":[]})"));
  std::vector<std::chrono::milliseconds> sleeps;
  ClientConfig config;
  config.credentials = {"AKID", "secret", ""};
  AwsClient client(config, "dynamodb", std::make_unique<testing::FakeHttpClient>(state), parse_json_error,
                   {[] { return int64_t{1700000000}; }, [&](std::chrono::milliseconds d) { sleeps.push_back(d); },
                    [] { return 0.25; }});
  auto r = client.call("POST", "/", kJson10ContentType, "{}", json_target("DynamoDB_20120810", "ListTables"));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->body, R"({"TableNames":[]})");
  ASSERT_EQ(state->requests.size(), 2u);
  EXPECT_EQ(state->requests[0].url, "https://dynamodb.us-east-1.amazonaws.com/");
  EXPECT_EQ(testing::header_value(state->requests[1], "X-Amz-Target"), "DynamoDB_20120810.ListTables");
  EXPECT_EQ(testing::header_value(state->requests[1], "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(sleeps, std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(250)});
}

}  // namespace
}  // namespace ebbflow::aws
