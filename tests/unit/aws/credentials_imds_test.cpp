// IMDSv2 role credentials against an in-process cpp-httplib IMDS on 127.0.0.1: token PUT with
// the TTL header, 401 without a token, the credentials JSON, refresh before expiry, a token the
// service forgot; and AwsClient asking a provider per attempt (expired token -> one re-fetch).
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include "aws/aws_client.h"
#include "aws/credentials.h"
#include "aws/imds_client.h"
#include "fake_http.h"

namespace ebbflow::aws {
namespace {

std::string iso(int64_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A minimal IMDS: tokens (forgettable, to mimic a restart), one role, credentials whose key id
// and expiration the test sets.
struct FakeImds {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mu;  // guards everything below
  std::map<std::string, bool> tokens;
  std::vector<std::string> log;  // "PUT /latest/api/token ttl=21600", "GET ... 200"
  std::string key_id = "ASIAFIRST";
  int64_t expiration = 0;
  std::string region = "ap-northeast-1";
  int next = 0;

  FakeImds() {
    server.Put("/latest/api/token", [this](const httplib::Request& q, httplib::Response& r) {
      std::lock_guard lock(mu);
      std::string ttl = q.get_header_value("X-aws-ec2-metadata-token-ttl-seconds");
      log.push_back("PUT token ttl=" + ttl);
      if (ttl.empty()) {
        r.status = 400;
        return;
      }
      std::string t = "tok" + std::to_string(++next);
      tokens[t] = true;
      r.set_content(t, "text/plain");
    });
    server.Get(R"(/latest/(.*))", [this](const httplib::Request& q, httplib::Response& r) {
      std::lock_guard lock(mu);
      std::string path = q.matches[1];
      if (!tokens.count(q.get_header_value("X-aws-ec2-metadata-token"))) {
        log.push_back("GET " + path + " 401");
        r.status = 401;
        return;
      }
      log.push_back("GET " + path + " 200");
      if (path == "meta-data/iam/security-credentials/") return r.set_content("test-role\n", "text/plain");
      if (path == "meta-data/placement/region") return r.set_content(region, "text/plain");
      if (path == "meta-data/iam/security-credentials/test-role") {
        return r.set_content(R"({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": ")" + key_id +
                                 R"(", "SecretAccessKey": "very-secret-value", "Token": "session-token", )"
                                 R"("Expiration": ")" + iso(expiration) + "\"}",
                             "application/json");
      }
      r.status = 404;
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeImds() {
    server.stop();
    thread.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }
  std::vector<std::string> take_log() {
    std::lock_guard lock(mu);
    return std::exchange(log, {});
  }
};

EnvLookup env_of(std::map<std::string, std::string> vars) {
  vars.emplace("HOME", "/nonexistent-ebbflow-home");
  return [vars](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

constexpr int64_t kNow = 1700000000;

// A loopback port that was free a moment ago and on which nothing listens.
int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(Imds, TokenThenRoleThenCredentials) {
  FakeImds imds;
  imds.expiration = kNow + 3600;
  auto chain = default_credentials_chain(env_of({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()}}));
  auto r = chain->load(kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->credentials.access_key_id, "ASIAFIRST");
  EXPECT_EQ(r->credentials.secret_access_key, "very-secret-value");
  EXPECT_EQ(r->credentials.session_token, "session-token");
  EXPECT_EQ(r->expiration, kNow + 3600);
  EXPECT_EQ(r->source, "imds role test-role");
  EXPECT_EQ(imds.take_log(), (std::vector<std::string>{"PUT token ttl=21600",
                                                       "GET meta-data/iam/security-credentials/ 200",
                                                       "GET meta-data/iam/security-credentials/test-role 200"}));
}

TEST(Imds, GetWithoutTokenIsRefusedByTheServer) {
  FakeImds imds;
  httplib::Client c("127.0.0.1", imds.port);
  auto res = c.Get("/latest/meta-data/iam/security-credentials/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
}

TEST(Imds, RefreshesAFewMinutesBeforeExpirationAndReusesTheToken) {
  FakeImds imds;
  imds.expiration = kNow + 1000;
  auto chain = default_credentials_chain(env_of({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()}}));
  ASSERT_EQ(chain->load(kNow)->credentials.access_key_id, "ASIAFIRST");
  imds.take_log();
  {
    std::lock_guard lock(imds.mu);
    imds.key_id = "ASIASECOND";
    imds.expiration = kNow + 5000;
  }
  // 301 s before expiry: cached, IMDS not asked.
  EXPECT_EQ(chain->load(kNow + 699)->credentials.access_key_id, "ASIAFIRST");
  EXPECT_TRUE(imds.take_log().empty());
  // 300 s before: refreshed, with the same session token (no new PUT).
  EXPECT_EQ(chain->load(kNow + 700)->credentials.access_key_id, "ASIASECOND");
  EXPECT_EQ(imds.take_log(), (std::vector<std::string>{"GET meta-data/iam/security-credentials/ 200",
                                                       "GET meta-data/iam/security-credentials/test-role 200"}));
}

TEST(Imds, ForgottenTokenIsReplacedOnce) {
  FakeImds imds;
  imds.expiration = kNow + 3600;
  auto client = ImdsClient::from_env(env_of({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()}}));
  ASSERT_TRUE(client);
  ASSERT_EQ(*client->get("meta-data/placement/region", kNow), "ap-northeast-1");
  {
    std::lock_guard lock(imds.mu);
    imds.tokens.clear();  // the service restarted
  }
  ASSERT_EQ(*client->get("meta-data/placement/region", kNow + 10), "ap-northeast-1");
  EXPECT_EQ(imds.take_log(), (std::vector<std::string>{"PUT token ttl=21600", "GET meta-data/placement/region 200",
                                                       "GET meta-data/placement/region 401", "PUT token ttl=21600",
                                                       "GET meta-data/placement/region 200"}));
  // Region resolution falls back to IMDS when neither the environment nor a profile has one.
  auto region = resolve_region(env_of({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()}}), kNow);
  ASSERT_TRUE(region.ok());
  EXPECT_EQ(*region, "ap-northeast-1");
}

TEST(Imds, DisabledOrUnreachableMeansNoCredentialsWithoutSecrets) {
  EXPECT_EQ(ImdsClient::from_env(env_of({{"AWS_EC2_METADATA_DISABLED", "true"}})), nullptr);
  // A port nothing listens on: the chain reports IMDS as unreachable (kUnavailable).
  int closed = unused_port();
  auto chain = default_credentials_chain(
      env_of({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(closed) + "/"}}));
  auto r = chain->load(kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "NoCredentials");
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
}

TEST(Imds, MalformedCredentialsNeverEchoTheBody) {
  auto r = parse_imds_credentials(R"({"AccessKeyId": "ASIA1", "SecretAccessKey": "topsecret", "Token": "t",
                                      "Expiration": "tomorrow"})",
                                  "r");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "MalformedResponse");
  EXPECT_EQ(r.error().message.find("topsecret"), std::string::npos);
  EXPECT_NE(r.error().message.find("Expiration"), std::string::npos);
  EXPECT_FALSE(parse_imds_credentials(R"({"Code": "Failure"})", "r").ok());
  EXPECT_FALSE(parse_imds_credentials("not json", "r").ok());
}

// A provider handing out a new key id on every load (after invalidate()).
class SequenceProvider : public CredentialsProvider {
 public:
  Result<TimedCredentials> load(int64_t) override {
    if (!current) current = TimedCredentials{{"ASIA" + std::to_string(++n), "s" + std::to_string(n), "tok"}, 0, "seq"};
    return *current;
  }
  void invalidate() override { current.reset(); }
  std::optional<TimedCredentials> current;
  int n = 0;
};

TEST(AwsClientProvider, SignsWithProviderCredentialsAndRefetchesOnceOnExpiredToken) {
  auto http = std::make_shared<testing::FakeHttpState>();
  auto provider = std::make_shared<SequenceProvider>();
  ClientConfig config;
  config.endpoint = "http://127.0.0.1:1";
  config.credentials_provider = provider;
  AwsClientHooks hooks{[] { return kNow; }, [](std::chrono::milliseconds) {}, [] { return 0.5; }};
  auto parse = [](const HttpResponse& r) { return make_error(ErrorKind::kGiveUp, r.body, "status"); };
  AwsClient client(config, "ec2", std::make_unique<testing::FakeHttpClient>(http), parse, hooks);

  http->replies.push_back(testing::reply(200, "ok"));
  ASSERT_TRUE(client.call("POST", "/", "", "Action=X").ok());
  EXPECT_NE(testing::header_value(http->requests[0], "Authorization").find("Credential=ASIA1/"), std::string::npos);
  EXPECT_EQ(testing::header_value(http->requests[0], "X-Amz-Security-Token"), "tok");

  // Expired: invalidate, re-fetch, same request again with ASIA2 -- and no attempt spent.
  http->replies.push_back(testing::reply(400, "RequestExpired"));
  http->replies.push_back(testing::reply(200, "ok"));
  ASSERT_TRUE(client.call("POST", "/", "", "Action=X").ok());
  ASSERT_EQ(http->requests.size(), 3u);
  EXPECT_NE(testing::header_value(http->requests[2], "Authorization").find("Credential=ASIA2/"), std::string::npos);
  EXPECT_EQ(client.retry_quota(), AwsClient::kRetryQuotaMax);

  // Expired twice in a row: only one re-fetch, then the error reaches the caller.
  http->replies.push_back(testing::reply(400, "ExpiredToken"));
  http->replies.push_back(testing::reply(400, "ExpiredToken"));
  auto r = client.call("POST", "/", "", "Action=X");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ExpiredToken");
  EXPECT_EQ(http->requests.size(), 5u);
  EXPECT_EQ(provider->n, 3);
}

TEST(AwsClientProvider, ProviderFailureIsReturnedWithoutSending) {
  auto http = std::make_shared<testing::FakeHttpState>();
  ClientConfig config;
  config.endpoint = "http://127.0.0.1:1";
  config.credentials_provider =
      default_credentials_chain(env_of({{"AWS_EC2_METADATA_DISABLED", "true"}}));
  AwsClient client(config, "ec2", std::make_unique<testing::FakeHttpClient>(http), nullptr);
  auto r = client.call("POST", "/", "", "Action=X");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "NoCredentials");
  EXPECT_TRUE(http->requests.empty());
}

}  // namespace
}  // namespace ebbflow::aws
