// AwsClient: endpoint, signing of each attempt, standard-mode retries, back-off and quota.
#include <gtest/gtest.h>

#include "aws/aws_client.h"
#include "aws/sigv4.h"
#include "fake_http.h"

namespace ebbflow::aws {
namespace {

using testing::FakeHttpClient;
using testing::FakeHttpState;
using testing::header_value;
using testing::reply;

constexpr int64_t kNow = 1700000000;

// Error parser for the tests: the body is the error code.
Error body_is_code(const HttpResponse& r) {
  return make_error(r.status >= 500 ? ErrorKind::kRetry : ErrorKind::kGiveUp, r.body, "status " + std::to_string(r.status));
}

struct Harness {
  std::shared_ptr<FakeHttpState> http = std::make_shared<FakeHttpState>();
  std::vector<std::chrono::milliseconds> sleeps;
  int64_t now = kNow;
  double jitter = 0.5;
  std::unique_ptr<AwsClient> client;

  explicit Harness(ClientConfig config = {}, std::string service = "ec2") {
    if (config.credentials.access_key_id.empty()) config.credentials = {"AKIDTEST", "secret", ""};
    AwsClientHooks hooks{[this] { return now; }, [this](std::chrono::milliseconds d) {
                           sleeps.push_back(d);
                           now += d.count() / 1000;
                         },
                         [this] { return jitter; }};
    client = std::make_unique<AwsClient>(config, service, std::make_unique<FakeHttpClient>(http), body_is_code, hooks);
  }
  Result<HttpResponse> post(const std::string& body = "Action=X") {
    return client->call("POST", "/", "application/x-www-form-urlencoded; charset=utf-8", body);
  }
};

TEST(AwsClient, DefaultEndpointAndSignedRequest) {
  ClientConfig config;
  config.region = "eu-central-1";
  Harness h(config, "sqs");
  h.http->replies.push_back(reply(200, "ok"));
  auto r = h.client->call("POST", "/", "application/x-amz-json-1.0", "{}", {{"X-Amz-Target", "AmazonSQS.ListQueues"}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(h.http->requests.size(), 1u);
  const HttpRequest& sent = h.http->requests[0];
  EXPECT_EQ(sent.url, "https://sqs.eu-central-1.amazonaws.com/");
  EXPECT_EQ(header_value(sent, "Host"), "sqs.eu-central-1.amazonaws.com");
  EXPECT_EQ(header_value(sent, "X-Amz-Date"), amz_date(kNow));
  EXPECT_NE(header_value(sent, "Authorization").find("/eu-central-1/sqs/aws4_request, SignedHeaders="
                                                      "content-type;host;x-amz-date;x-amz-target, "),
            std::string::npos)
      << header_value(sent, "Authorization");

  // What was sent verifies with the same secret: signing covers exactly what goes on the wire.
  SignableRequest check{sent.method, "/", "", sent.headers, sent.body};
  auto v = verify(check, [](const std::string&) { return std::optional<std::string>("secret"); }, kNow);
  EXPECT_TRUE(v.ok()) << v.error().describe();
}

TEST(AwsClient, ExplicitEndpointKeepsPortAndPath) {
  ClientConfig config;
  config.endpoint = "http://127.0.0.1:4566/";
  Harness h(config);
  h.http->replies.push_back(reply(200, "ok"));
  ASSERT_TRUE(h.client->call("GET", "/?Action=DescribeInstances&Version=2016-11-15", "", "").ok());
  EXPECT_EQ(h.http->requests[0].url, "http://127.0.0.1:4566/?Action=DescribeInstances&Version=2016-11-15");
  EXPECT_EQ(header_value(h.http->requests[0], "Host"), "127.0.0.1:4566");
}

TEST(AwsClient, SessionTokenIsSent) {
  ClientConfig config;
  config.credentials = {"ASIATEST", "secret", "token-123"};
  Harness h(config);
  h.http->replies.push_back(reply(200, "ok"));
  ASSERT_TRUE(h.post().ok());
  EXPECT_EQ(header_value(h.http->requests[0], "X-Amz-Security-Token"), "token-123");
}

TEST(AwsClient, RetriesServerErrorsWithJitteredExponentialBackoffAndResigns) {
  ClientConfig config;
  config.max_attempts = 4;
  Harness h(config);
  h.jitter = 0.75;
  h.http->replies.push_back(reply(500, "InternalError"));
  h.http->replies.push_back(reply(503, "ServiceUnavailable"));
  h.http->replies.push_back(reply(400, "RequestLimitExceeded"));
  h.http->replies.push_back(reply(200, "done"));
  auto r = h.post();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "done");
  ASSERT_EQ(h.sleeps.size(), 3u);
  // min(20 s, rand * 2^(attempt-1)) with rand = 0.75
  EXPECT_EQ(h.sleeps[0].count(), 750);
  EXPECT_EQ(h.sleeps[1].count(), 1500);
  EXPECT_EQ(h.sleeps[2].count(), 3000);
  // Each attempt is signed at its own time.
  EXPECT_NE(header_value(h.http->requests[0], "X-Amz-Date"), header_value(h.http->requests[3], "X-Amz-Date"));
  // Success after retries gives back the last retry's cost.
  EXPECT_EQ(h.client->retry_quota(), AwsClient::kRetryQuotaMax - 3 * AwsClient::kRetryCost + AwsClient::kRetryCost);
}

TEST(AwsClient, BackoffIsCappedAtTwentySeconds) {
  ClientConfig config;
  config.max_attempts = 10;
  Harness h(config);
  h.jitter = 0.99;
  for (int i = 0; i < 10; ++i) h.http->replies.push_back(reply(400, "Throttling"));
  auto r = h.post();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "Throttling");
  EXPECT_NE(r.error().message.find("after 10 attempts"), std::string::npos);
  ASSERT_EQ(h.sleeps.size(), 9u);
  EXPECT_EQ(h.sleeps[5].count(), 20000);  // 0.99 * 2^5 s = 31.68 s, capped
  for (auto d : h.sleeps) EXPECT_LE(d, AwsClient::kMaxBackoff);
  EXPECT_EQ(h.sleeps[4].count(), 15840);
}

TEST(AwsClient, GivesUpAfterMaxAttempts) {
  Harness h;  // max_attempts = 3
  for (int i = 0; i < 5; ++i) h.http->replies.push_back(reply(400, "ThrottlingException"));
  auto r = h.post();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(h.http->requests.size(), 3u);
  EXPECT_EQ(h.sleeps.size(), 2u);
}

// Without a service parser the body is the message; an empty body still says something
// (docs/reliability.md, finding 9).
TEST(AwsClient, DefaultErrorParserWithAnEmptyBodySaysSo) {
  auto http = std::make_shared<FakeHttpState>();
  http->replies.push_back(reply(403, ""));
  http->replies.push_back(reply(404, "no such thing"));
  ClientConfig config;
  config.credentials = {"AKIDTEST", "secret", ""};
  AwsClient client(config, "ec2", std::make_unique<FakeHttpClient>(http), nullptr,
                   AwsClientHooks{[] { return kNow; }, [](std::chrono::milliseconds) {}, [] { return 0.5; }});
  auto empty = client.call("POST", "/", "application/x-www-form-urlencoded; charset=utf-8", "Action=X");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().describe(), "Http403: no message in the reply (HTTP 403)");
  auto with_body = client.call("POST", "/", "application/x-www-form-urlencoded; charset=utf-8", "Action=X");
  ASSERT_FALSE(with_body.ok());
  EXPECT_EQ(with_body.error().describe(), "Http404: no such thing");
}

TEST(AwsClient, DoesNotRetryClientErrors) {
  Harness h;
  h.http->replies.push_back(reply(400, "InvalidParameterValue"));
  h.http->replies.push_back(reply(200, "never"));
  auto r = h.post();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterValue");
  EXPECT_EQ(r.error().kind, ErrorKind::kGiveUp);
  EXPECT_EQ(h.http->requests.size(), 1u);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(AwsClient, RetriesTransportFailuresAndTimeoutsCostMore) {
  Harness h;
  h.http->replies.push_back(make_error(ErrorKind::kUnavailable, "Timeout", "slow"));
  h.http->replies.push_back(make_error(ErrorKind::kUnavailable, "ConnectionFailed", "refused"));
  h.http->replies.push_back(make_error(ErrorKind::kUnavailable, "ConnectionFailed", "refused"));
  auto r = h.post();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().code, "ConnectionFailed");
  EXPECT_EQ(h.http->requests.size(), 3u);
  EXPECT_EQ(h.client->retry_quota(), AwsClient::kRetryQuotaMax - AwsClient::kTimeoutRetryCost - AwsClient::kRetryCost);
}

TEST(AwsClient, RetryQuotaRunsOutAndRefillsOnSuccess) {
  ClientConfig config;
  config.max_attempts = 2;
  Harness h(config);
  // Each failing call takes one retry (5 tokens): 100 calls drain the 500-token quota.
  for (int i = 0; i < 100; ++i) {
    h.http->replies.push_back(reply(503, "Unavailable"));
    h.http->replies.push_back(reply(503, "Unavailable"));
    ASSERT_FALSE(h.post().ok());
  }
  EXPECT_EQ(h.client->retry_quota(), 0);
  h.http->requests.clear();
  h.http->replies.push_back(reply(503, "Unavailable"));
  auto r = h.post();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(h.http->requests.size(), 1u) << "no retry without quota";
  EXPECT_NE(r.error().message.find("retry quota exhausted"), std::string::npos);
  h.http->replies.push_back(reply(200, "ok"));
  ASSERT_TRUE(h.post().ok());
  EXPECT_EQ(h.client->retry_quota(), 1);
}

TEST(AwsClient, ClassifiesStandardModeCodes) {
  for (const char* c : {"Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestThrottled",
                        "TooManyRequestsException", "ProvisionedThroughputExceededException"})
    EXPECT_TRUE(is_throttling_code(c)) << c;
  EXPECT_FALSE(is_throttling_code("InsufficientInstanceCapacity"));
  EXPECT_TRUE(is_transient_code("RequestTimeout"));
  EXPECT_FALSE(is_transient_code("AuthFailure"));
}

}  // namespace
}  // namespace ebbflow::aws
