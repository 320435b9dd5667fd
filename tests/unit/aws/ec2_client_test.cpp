// Ec2Client end to end over a fake HttpClient: pagination, error mapping, retries (the fake
// sleeper records delays; nothing sleeps), and replies parsed into results.
#include <gtest/gtest.h>

#include <map>

#include "aws/ec2.h"
#include "aws/query_form.h"
#include "fake_http.h"
#include "test_support.h"

namespace ebbflow::aws {
namespace {

using testing::reply;

std::string fixture(const std::string& name) {
  return testing::read_file(testing::source_dir() + "/tests/data/aws/" + name);
}

std::map<std::string, std::string> params(const HttpRequest& req) {
  std::map<std::string, std::string> m;
  for (auto& [k, v] : decode_form(req.body)) m[k] = v;
  return m;
}

struct Ec2Harness {
  std::shared_ptr<testing::FakeHttpState> http = std::make_shared<testing::FakeHttpState>();
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<Ec2Client> ec2;

  explicit Ec2Harness(int max_attempts = 3) {
    ClientConfig config;
    config.endpoint = "http://127.0.0.1:4566";
    config.region = "us-west-2";
    config.credentials = {"AKID", "secret", ""};
    config.max_attempts = max_attempts;
    AwsClientHooks hooks{[] { return int64_t{1709288130}; },
                         [this](std::chrono::milliseconds d) { sleeps.push_back(d); }, [] { return 0.5; }};
    ec2 = std::make_unique<Ec2Client>(config, std::make_unique<testing::FakeHttpClient>(http), hooks);
  }
};

TEST(Ec2Client, DescribeInstancesFollowsNextToken) {
  Ec2Harness h;
  h.http->replies.push_back(reply(200, fixture("describe_instances_page1.xml")));
  h.http->replies.push_back(reply(200, fixture("describe_instances_page2.xml")));
  auto r = h.ec2->describe_instances({{"tag:parallelcluster:cluster-name", {"demo"}}});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[3].instance_id, "i-0d44444444444444d");
  ASSERT_EQ(h.http->requests.size(), 2u);
  auto first = params(h.http->requests[0]), second = params(h.http->requests[1]);
  EXPECT_EQ(first.count("NextToken"), 0u);
  EXPECT_EQ(first.at("MaxResults"), "1000");
  EXPECT_EQ(second.at("NextToken"), "eyJ2IjoiMiIsImMiOiJwYWdlMiJ9");
  EXPECT_EQ(second.at("Filter.1.Name"), "tag:parallelcluster:cluster-name");
  EXPECT_EQ(second.at("Filter.1.Value.1"), "demo");
  // Each page is its own signed request for the configured region.
  EXPECT_NE(testing::header_value(h.http->requests[1], "Authorization").find("/us-west-2/ec2/aws4_request"),
            std::string::npos);
}

TEST(Ec2Client, DescribeInstancesByPageHandsOverEachPageBeforeTheNextRequest) {
  Ec2Harness h;
  h.http->replies.push_back(reply(200, fixture("describe_instances_page1.xml")));
  h.http->replies.push_back(reply(200, fixture("describe_instances_page2.xml")));
  std::vector<size_t> page_sizes, requests_seen;
  std::vector<std::string> ids;
  Status st = h.ec2->describe_instances_by_page({{"tag:parallelcluster:cluster-name", {"demo"}}},
                                                [&](std::vector<Ec2Instance>&& page) -> Status {
                                                  page_sizes.push_back(page.size());
                                                  requests_seen.push_back(h.http->requests.size());
                                                  for (auto& i : page) ids.push_back(i.instance_id);
                                                  return {};
                                                });
  ASSERT_TRUE(st.ok()) << st.error().describe();
  auto all = Ec2Harness();
  all.http->replies.push_back(reply(200, fixture("describe_instances_page1.xml")));
  all.http->replies.push_back(reply(200, fixture("describe_instances_page2.xml")));
  auto whole = all.ec2->describe_instances({{"tag:parallelcluster:cluster-name", {"demo"}}});
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(ids.size(), whole->size());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], (*whole)[i].instance_id);
  ASSERT_EQ(page_sizes.size(), 2u);
  EXPECT_EQ(requests_seen, (std::vector<size_t>{1, 2}));  // page 1 handed over before page 2 was asked for
  EXPECT_EQ(params(h.http->requests[0]).at("MaxResults"), "1000");
  EXPECT_EQ(params(h.http->requests[1]).at("NextToken"), "eyJ2IjoiMiIsImMiOiJwYWdlMiJ9");
}

TEST(Ec2Client, DescribeInstancesByPageStopsOnTheCallersError) {
  Ec2Harness h;
  h.http->replies.push_back(reply(200, fixture("describe_instances_page1.xml")));
  h.http->replies.push_back(reply(200, fixture("describe_instances_page2.xml")));
  Status st = h.ec2->describe_instances_by_page({}, [&](std::vector<Ec2Instance>&&) -> Status {
    return make_error(ErrorKind::kGiveUp, "Stop", "caller stopped");
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "Stop");
  EXPECT_EQ(h.http->requests.size(), 1u);
}

TEST(Ec2Client, RepeatedNextTokenIsAnError) {
  Ec2Harness h;
  h.http->replies.push_back(reply(200, fixture("describe_instances_page1.xml")));
  h.http->replies.push_back(reply(200, fixture("describe_instances_page1.xml")));
  auto r = h.ec2->describe_instances({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "MalformedResponse");
  EXPECT_EQ(h.http->requests.size(), 2u);
}

TEST(Ec2Client, DescribeInstanceStatusPaginatesWithIncludeAll) {
  Ec2Harness h;
  h.http->replies.push_back(reply(200, fixture("describe_instance_status.xml")));
  h.http->replies.push_back(reply(200, "<DescribeInstanceStatusResponse><instanceStatusSet/>"
                                       "</DescribeInstanceStatusResponse>"));
  auto r = h.ec2->describe_instance_status({}, {}, true);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->size(), 3u);
  ASSERT_EQ(h.http->requests.size(), 2u);
  EXPECT_EQ(params(h.http->requests[1]).at("IncludeAllInstances"), "true");
  EXPECT_EQ(params(h.http->requests[1]).at("NextToken"), "c3RhdHVzLXBhZ2UtMg==");
}

TEST(Ec2Client, RunAndTerminateParseReplies) {
  Ec2Harness h;
  h.http->replies.push_back(reply(200, fixture("run_instances.xml")));
  h.http->replies.push_back(reply(200, fixture("terminate_instances.xml")));
  RunInstancesRequest req;
  req.launch_template_name = "demo-queue1-cr1";
  req.max_count = 2;
  auto run = h.ec2->run_instances(req);
  ASSERT_TRUE(run.ok()) << run.error().describe();
  EXPECT_EQ(run->size(), 2u);
  auto term = h.ec2->terminate_instances({"i-0598c7d356eba48d7", "i-0c33333333333333c"});
  ASSERT_TRUE(term.ok());
  EXPECT_EQ((*term)[0].current_state, "shutting-down");
}

TEST(Ec2Client, CapacityErrorIsBackOffAndNotRetried) {
  Ec2Harness h;
  h.http->replies.push_back(reply(500, fixture("error_insufficient_capacity.xml")));
  RunInstancesRequest req;
  req.launch_template_name = "lt";
  auto r = h.ec2->run_instances(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kBackOff);
  EXPECT_EQ(r.error().code, "InsufficientInstanceCapacity");
  // EC2 answers ICE with a 500; retrying at once would only delay the capacity fallback.
  EXPECT_EQ(h.http->requests.size(), 1u);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(Ec2Client, ThrottlingIsRetriedWithBackoffThenSucceeds) {
  Ec2Harness h;
  h.http->replies.push_back(reply(503, fixture("error_request_limit.xml")));
  h.http->replies.push_back(reply(503, fixture("error_request_limit.xml")));
  h.http->replies.push_back(reply(200, fixture("describe_instances_page2.xml")));
  auto r = h.ec2->describe_instances({}, {"i-0d44444444444444d"});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->size(), 1u);
  EXPECT_EQ(h.sleeps, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(500),
                                                              std::chrono::milliseconds(1000)}));
  // With ids, MaxResults is left out (EC2 rejects the combination).
  EXPECT_EQ(params(h.http->requests[0]).count("MaxResults"), 0u);
  EXPECT_EQ(params(h.http->requests[0]).at("InstanceId.1"), "i-0d44444444444444d");
}

TEST(Ec2Client, NotFoundAndAuthFailuresAreNotRetried) {
  Ec2Harness h;
  h.http->replies.push_back(reply(400, fixture("error_instance_not_found.xml")));
  h.http->replies.push_back(reply(401, fixture("error_auth_failure.xml")));
  auto nf = h.ec2->terminate_instances({"i-0fedcba9876543210"});
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(nf.error().code, "InvalidInstanceID.NotFound");
  auto auth = h.ec2->create_tags({"i-1"}, {{"k", "v"}});
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.error().kind, ErrorKind::kGiveUp);
  EXPECT_EQ(auth.error().code, "AuthFailure");
  EXPECT_EQ(h.http->requests.size(), 2u);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(Ec2Client, InternalErrorIsRetryAfterMaxAttempts) {
  Ec2Harness h(2);
  h.http->replies.push_back(reply(500, fixture("error_internal.xml")));
  h.http->replies.push_back(reply(500, fixture("error_internal.xml")));
  auto r = h.ec2->delete_launch_template("lt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kRetry);
  EXPECT_EQ(r.error().code, "InternalError");
  EXPECT_EQ(h.http->requests.size(), 2u);
  EXPECT_EQ(h.sleeps.size(), 1u);
}

TEST(Ec2Client, UnreachableEndpointIsUnavailable) {
  Ec2Harness h;
  for (int i = 0; i < 3; ++i)
    h.http->replies.push_back(make_error(ErrorKind::kUnavailable, "ConnectionFailed", "connection refused"));
  auto r = h.ec2->describe_instances({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(h.http->requests.size(), 3u);
}

TEST(Ec2Client, MalformedSuccessReplyIsRetryKind) {
  Ec2Harness h;
  h.http->replies.push_back(reply(200, "<html>captive portal</html>"));
  auto r = h.ec2->describe_instances({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kRetry);
  EXPECT_EQ(r.error().code, "MalformedResponse");
}

}  // namespace
}  // namespace ebbflow::aws
