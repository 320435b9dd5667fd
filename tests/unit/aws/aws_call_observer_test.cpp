// AwsClient's call observer (metrics hook): one record per call with service, action, attempts,
// throttled attempts, last HTTP status and error; per-client hook first, else the process-wide
// one; nothing reported (and nothing changed) when neither is set.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "aws/aws_client.h"
#include "fake_http.h"

namespace ebbflow::aws {
namespace {

using testing::FakeHttpClient;
using testing::FakeHttpState;
using testing::reply;

Error body_is_code(const HttpResponse& r) {
  return make_error(r.status >= 500 ? ErrorKind::kRetry : ErrorKind::kGiveUp, r.body, "status " + std::to_string(r.status));
}

struct ObservedClient {
  std::shared_ptr<FakeHttpState> http = std::make_shared<FakeHttpState>();
  std::vector<AwsCallRecord> records;
  std::unique_ptr<AwsClient> client;

  explicit ObservedClient(bool own_hook, std::string service = "ec2") {
    ClientConfig config;
    config.credentials = {"AKIDTEST", "secret", ""};
    config.endpoint = "http://127.0.0.1:1";
    AwsClientHooks hooks{[] { return int64_t{1700000000}; }, [](std::chrono::milliseconds) {}, [] { return 0.0; }};
    if (own_hook) hooks.on_call = [this](const AwsCallRecord& r) { records.push_back(r); };
    client = std::make_unique<AwsClient>(config, service, std::make_unique<FakeHttpClient>(http), body_is_code, hooks);
  }
  Result<HttpResponse> query(const std::string& action) {
    return client->call("POST", "/", "application/x-www-form-urlencoded; charset=utf-8",
                        "Action=" + action + "&Version=2016-11-15");
  }
};

TEST(AwsCallObserver, OkCallAfterThrottledRetry) {
  ObservedClient c(true);
  c.http->replies.push_back(reply(503, "RequestLimitExceeded"));
  c.http->replies.push_back(reply(200, "<ok/>"));
  ASSERT_TRUE(c.query("DescribeInstances").ok());
  ASSERT_EQ(c.records.size(), 1u);
  const AwsCallRecord& r = c.records[0];
  EXPECT_EQ(r.service, "ec2");
  EXPECT_EQ(r.action, "DescribeInstances");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.throttled_attempts, 1);
  EXPECT_EQ(r.error_code, "");
}

TEST(AwsCallObserver, FailedCallReportsLastErrorAndAttempts) {
  ObservedClient c(true);
  for (int i = 0; i < 3; ++i) c.http->replies.push_back(reply(500, "InternalError"));
  auto result = c.query("TerminateInstances");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_FALSE(c.records[0].ok);
  EXPECT_EQ(c.records[0].action, "TerminateInstances");
  EXPECT_EQ(c.records[0].attempts, 3);
  EXPECT_EQ(c.records[0].throttled_attempts, 0);
  EXPECT_EQ(c.records[0].http_status, 500);
  EXPECT_EQ(c.records[0].error_code, "InternalError");
  EXPECT_EQ(c.records[0].error_kind, ErrorKind::kRetry);

  // A transport failure: no HTTP status.
  c.http->replies.push_back(make_error(ErrorKind::kUnavailable, "ConnectionFailed", "refused"));
  c.http->replies.push_back(make_error(ErrorKind::kUnavailable, "ConnectionFailed", "refused"));
  c.http->replies.push_back(make_error(ErrorKind::kUnavailable, "ConnectionFailed", "refused"));
  EXPECT_FALSE(c.query("RunInstances").ok());
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[1].http_status, 0);
  EXPECT_EQ(c.records[1].error_code, "ConnectionFailed");
}

TEST(AwsCallObserver, ProcessObserverWhenNoOwnHookAndOffByDefault) {
  ObservedClient c(false);
  c.http->replies.push_back(reply(200, "<ok/>"));
  ASSERT_TRUE(c.query("DescribeInstanceStatus").ok());  // nothing set: nothing to observe, still works
  std::vector<AwsCallRecord> seen;
  std::mutex mu;
  set_process_call_observer([&](const AwsCallRecord& r) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(r);
  });
  c.http->replies.push_back(reply(200, "<ok/>"));
  ASSERT_TRUE(c.query("DescribeInstances").ok());
  set_process_call_observer({});
  c.http->replies.push_back(reply(200, "<ok/>"));
  ASSERT_TRUE(c.query("CreateTags").ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].action, "DescribeInstances");
  EXPECT_EQ(seen[0].attempts, 1);

  // The client's own hook wins over the process-wide one.
  ObservedClient own(true);
  set_process_call_observer([&](const AwsCallRecord& r) { seen.push_back(r); });
  own.http->replies.push_back(reply(200, "<ok/>"));
  ASSERT_TRUE(own.query("DescribeInstances").ok());
  set_process_call_observer({});
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(own.records.size(), 1u);
}

TEST(AwsCallObserver, ActionNames) {
  EXPECT_EQ(aws_action_name("POST", "/", "Version=1&Action=RunInstances&X=1", {}), "RunInstances");
  EXPECT_EQ(aws_action_name("POST", "/", "{}", {{"X-Amz-Target", "AmazonSQS.SendMessage"}}), "SendMessage");
  EXPECT_EQ(aws_action_name("POST", "/", "{}", {{"x-amz-target", "DynamoDB_20120810.PutItem"}}), "PutItem");
  EXPECT_EQ(aws_action_name("GET", "/?Action=DescribeTags&Version=1", "", {}), "DescribeTags");
  EXPECT_EQ(aws_action_name("GET", "/latest/meta-data?x=1", "", {}), "GET /latest/meta-data");
  EXPECT_EQ(aws_action_name("POST", "/", "NotAction=x", {}), "POST /");
}

TEST(AwsCallObserver, ConcurrentClientsShareOneProcessObserver) {
  std::atomic<int> calls{0};
  set_process_call_observer([&](const AwsCallRecord& r) {
    if (r.ok) calls.fetch_add(1);
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([] {
      ObservedClient c(false);
      for (int i = 0; i < 50; ++i) c.http->replies.push_back(reply(200, "<ok/>"));
      for (int i = 0; i < 50; ++i) (void)c.query("DescribeInstances");
    });
  for (auto& th : threads) th.join();
  set_process_call_observer({});
  EXPECT_EQ(calls.load(), 200);
}

}  // namespace
}  // namespace ebbflow::aws
