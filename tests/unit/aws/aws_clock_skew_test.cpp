// AwsClient against a service whose clock differs from the host's: the service refuses a request
// signed more than 5 minutes from its own time (the local cloud's window; AWS allows 15) and
// says its time in the Date header; the client learns the offset and signs with it. The "service"
// here verifies every request with the real sigv4::verify, as the local cloud does.
#include <gtest/gtest.h>

#include "aws/aws_client.h"
#include "aws/sigv4.h"

namespace ebbflow::aws {
namespace {

constexpr int64_t kServiceNow = 1'800'000'000;

// Answers 200 to a request that verifies at the service's clock, else 400 with the verifier's
// code (RequestExpired for a stale or future X-Amz-Date), with a Date header unless told not to.
struct ClockedService : HttpClient {
  int64_t* service_now;
  bool send_date = true;
  std::vector<std::string> codes;  // what each request got: "OK" or the error code
  explicit ClockedService(int64_t* now) : service_now(now) {}
  Result<HttpResponse> send(const HttpRequest& req) override {
    SignableRequest s{req.method, "/", "", {}, req.body};
    for (const auto& h : req.headers)
      if (h.first != "User-Agent") s.headers.push_back(h);
    auto who = verify(s, [](const std::string&) { return std::optional<std::string>("secret"); }, *service_now, 300);
    HttpResponse r;
    if (send_date) r.headers.emplace_back("date", http_date(*service_now));
    if (who.ok()) {
      r.status = 200;
      r.body = "ok";
    } else {
      r.status = 400;
      r.body = who.error().code;
    }
    codes.push_back(who.ok() ? "OK" : who.error().code);
    return r;
  }
};

Error body_is_code(const HttpResponse& r) { return make_error(ErrorKind::kGiveUp, r.body, "status " + std::to_string(r.status)); }

class ClockSkew : public ::testing::Test {
 protected:
  void SetUp() override { set_process_clock_offset(0); }
  void TearDown() override { set_process_clock_offset(0); }

  int64_t service_now = kServiceNow;
  int64_t host_now = kServiceNow;
  ClockedService* service = nullptr;
  std::vector<AwsCallRecord> records;

  // A fresh client each time, as clustermgtd makes one every loop.
  std::unique_ptr<AwsClient> client() {
    ClientConfig config;
    config.credentials = {"AKIDTEST", "secret", ""};
    auto http = std::make_unique<ClockedService>(&service_now);
    service = http.get();
    AwsClientHooks hooks{[this] { return host_now; }, [](std::chrono::milliseconds) {}, [] { return 0.5; },
                         [this](const AwsCallRecord& r) { records.push_back(r); }};
    return std::make_unique<AwsClient>(config, "ec2", std::move(http), body_is_code, hooks);
  }
  Result<HttpResponse> call(AwsClient& c) { return c.call("POST", "/", "application/x-www-form-urlencoded", "Action=X"); }
};

TEST(HttpDate, FormatsAndParsesImfFixdate) {
  EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(http_date(1'796'456'400), "Sat, 05 Dec 2026 07:40:00 GMT");
  for (int64_t t : {int64_t{0}, int64_t{951'782'400} /* 2000-02-29 */, kServiceNow, int64_t{4'102'444'799}})
    EXPECT_EQ(parse_http_date(http_date(t)), t) << http_date(t);
  for (const char* bad : {"", "Sat, 05 Dec 2026 09:00:00 UTC", "Sat, 5 Dec 2026 09:00:00 GMT",
                          "Sat, 05 Dez 2026 09:00:00 GMT", "Sat, 05 Dec 2026 24:00:00 GMT",
                          "Sat, 05 Dec 2026 09:00 GMT", "Saturday, 05-Dec-26 09:00:00 GMT", "Sat, 05 Dec 2O26 09:00:00 GMT"})
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
}

TEST_F(ClockSkew, HostClockAnHourAheadIsCorrectedOnceAndRemembered) {
  host_now = kServiceNow + 3600;
  auto c = client();
  auto r = call(*c);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(service->codes, (std::vector<std::string>{"RequestExpired", "OK"}));
  EXPECT_EQ(process_clock_offset(), -3600);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].clock_corrected);
  EXPECT_EQ(records[0].clock_offset_seconds, -3600);
  EXPECT_EQ(records[0].attempts, 2);
  EXPECT_EQ(c->retry_quota(), AwsClient::kRetryQuotaMax) << "a clock correction spends no retry quota";

  // The next loop's client signs right the first time.
  host_now += 60;
  service_now += 60;
  auto next = client();
  ASSERT_TRUE(call(*next).ok());
  EXPECT_EQ(service->codes, (std::vector<std::string>{"OK"}));
  EXPECT_FALSE(records.back().clock_corrected);
}

TEST_F(ClockSkew, StepBackAfterACorrectionIsCorrectedAgain) {
  host_now = kServiceNow - 86400;  // a day behind
  auto c = client();
  ASSERT_TRUE(call(*c).ok());
  EXPECT_EQ(process_clock_offset(), 86400);
  // NTP fixes the host's clock: the learnt offset is now wrong by a day the other way.
  host_now = kServiceNow;
  ASSERT_TRUE(call(*c).ok());
  EXPECT_EQ(service->codes, (std::vector<std::string>{"RequestExpired", "OK", "RequestExpired", "OK"}));
  EXPECT_EQ(process_clock_offset(), 0);
}

TEST_F(ClockSkew, SkewUnderAMinuteChangesNothing) {
  host_now = kServiceNow + 30;
  auto c = client();
  ASSERT_TRUE(call(*c).ok());
  EXPECT_EQ(service->codes, (std::vector<std::string>{"OK"}));
  EXPECT_EQ(process_clock_offset(), 0);
  EXPECT_FALSE(records.back().clock_corrected);
}

TEST_F(ClockSkew, SkewInsideTheSigningWindowIsLearntFromAnAcceptedReply) {
  // 200 s off: the service still accepts the request, but clustermgtd compares the cloud's launch
  // times with its clock, so the offset is worth knowing.
  host_now = kServiceNow + 200;
  auto c = client();
  ASSERT_TRUE(call(*c).ok());
  EXPECT_EQ(service->codes, (std::vector<std::string>{"OK"}));
  EXPECT_EQ(process_clock_offset(), -200);
  EXPECT_TRUE(records.back().clock_corrected);
}

TEST_F(ClockSkew, NoDateHeaderMeansTheErrorIsReturned) {
  host_now = kServiceNow + 3600;
  auto c = client();
  service->send_date = false;
  auto r = call(*c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "RequestExpired");
  EXPECT_EQ(service->codes.size(), 1u) << "not retried without the service's time";
  EXPECT_EQ(process_clock_offset(), 0);
}

TEST_F(ClockSkew, CorrectsOnlyOncePerCall) {
  // A service whose Date lies (an hour off from the clock it verifies with) must not make the
  // client loop: one correction, then the error.
  host_now = kServiceNow + 3600;
  auto c = client();
  struct LyingDate : HttpClient {
    int sent = 0;
    Result<HttpResponse> send(const HttpRequest&) override {
      ++sent;
      return HttpResponse{400, {{"date", http_date(kServiceNow - 7200 * sent)}}, "RequestExpired"};
    }
  };
  auto http = std::make_unique<LyingDate>();
  LyingDate* lying = http.get();
  ClientConfig config;
  config.credentials = {"AKIDTEST", "secret", ""};
  config.max_attempts = 3;
  AwsClient liar(config, "ec2", std::move(http), body_is_code,
                 {[this] { return host_now; }, [](std::chrono::milliseconds) {}, [] { return 0.5; }, {}});
  auto r = liar.call("POST", "/", "application/x-www-form-urlencoded", "Action=X");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "RequestExpired");
  EXPECT_EQ(lying->sent, 2);
}

TEST_F(ClockSkew, OtherErrorsAreNotRetriedButTheirDateIsLearnt) {
  host_now = kServiceNow + 3600;
  struct Denied : HttpClient {
    int sent = 0;
    Result<HttpResponse> send(const HttpRequest&) override {
      ++sent;
      return HttpResponse{403, {{"date", http_date(kServiceNow)}}, "UnauthorizedOperation"};
    }
  };
  auto http = std::make_unique<Denied>();
  Denied* denied = http.get();
  ClientConfig config;
  config.credentials = {"AKIDTEST", "secret", ""};
  AwsClient client(config, "ec2", std::move(http), body_is_code,
                   {[this] { return host_now; }, [](std::chrono::milliseconds) {}, [] { return 0.5; }, {}});
  auto r = client.call("POST", "/", "application/x-www-form-urlencoded", "Action=X");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "UnauthorizedOperation");
  EXPECT_EQ(denied->sent, 1);
  EXPECT_EQ(process_clock_offset(), -3600);
}

TEST_F(ClockSkew, ASlowReplyIsNotSkew) {
  // The Date is the time the service answered; the client compares it with the time the reply
  // arrived, so a call that took 90 s (a held reply) is not a 90 s skew.
  struct Slow : HttpClient {
    int64_t* host_now;
    explicit Slow(int64_t* now) : host_now(now) {}
    Result<HttpResponse> send(const HttpRequest&) override {
      *host_now += 90;
      return HttpResponse{200, {{"date", http_date(*host_now - 1)}}, "ok"};
    }
  };
  ClientConfig config;
  config.credentials = {"AKIDTEST", "secret", ""};
  AwsClient client(config, "ec2", std::make_unique<Slow>(&host_now), body_is_code,
                   {[this] { return host_now; }, [](std::chrono::milliseconds) {}, [] { return 0.5; }, {}});
  ASSERT_TRUE(client.call("POST", "/", "application/x-www-form-urlencoded", "Action=X").ok());
  EXPECT_EQ(process_clock_offset(), 0);
}

TEST(ClockSkewCodes, AreTheSdksList) {
  for (const char* code : {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException",
                           "SignatureDoesNotMatch", "AuthFailure"})
    EXPECT_TRUE(is_clock_skew_code(code)) << code;
  EXPECT_FALSE(is_clock_skew_code("UnauthorizedOperation"));
  EXPECT_FALSE(is_clock_skew_code("Throttling"));
}

}  // namespace
}  // namespace ebbflow::aws
