// Round trip with the real AWS SDK for Python: boto3 calls a loopback server that checks each
// request with ebbflow's verify() and answers with our XML fixtures. This proves that verify()
// accepts what botocore signs (and rejects a wrong secret), and that botocore parses the
// fixtures the same way ebbflow's parser does (so the fixtures are faithful EC2 replies).
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "aws/ec2.h"
#include "aws/query_form.h"
#include "aws/sigv4.h"
#include "test_support.h"

namespace ebbflow::aws {
namespace {

std::string fixture(const std::string& name) {
  return testing::read_file(testing::source_dir() + "/tests/data/aws/" + name);
}

TEST(Ec2Boto3RoundTrip, Boto3RequestsVerifyAndFixturesParseAlike) {
  const std::string page1 = fixture("describe_instances_page1.xml"), page2 = fixture("describe_instances_page2.xml");
  int verified = 0;
  httplib::Server server;
  server.Post("/", [&](const httplib::Request& req, httplib::Response& res) {
    SignableRequest sreq{req.method, req.path, "", {}, req.body};
    for (const auto& [k, v] : req.headers) sreq.headers.emplace_back(k, v);
    auto caller = verify(sreq, [](const std::string& akid) -> std::optional<std::string> {
      if (akid == "AKIDROUNDTRIP") return "roundtrip/secret+key";
      return std::nullopt;
    }, std::time(nullptr));
    if (!caller.ok()) {
      res.status = 401;
      res.set_content("<Response><Errors><Error><Code>" + caller.error().code + "</Code><Message>" +
                          caller.error().message + "</Message></Error></Errors><RequestID>r</RequestID></Response>",
                      "text/xml");
      return;
    }
    ++verified;
    std::string token;
    for (auto& [k, v] : decode_form(req.body))
      if (k == "NextToken") token = v;
    res.set_content(token.empty() ? page1 : page2, "text/xml;charset=UTF-8");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto out = testing::run_command("NO_PROXY=127.0.0.1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "
                                  "AWS_EC2_METADATA_DISABLED=true python3 '" +
                                  testing::source_dir() + "/tests/unit/aws/boto3_describe.py' " + std::to_string(port));
  server.stop();
  thread.join();
  if (out.exit_code == testing::kNoBotocore || out.exit_code == 127)
    GTEST_SKIP() << "python3 with boto3 is not available; round trip skipped";
  ASSERT_EQ(out.exit_code, 0);
  auto got = nlohmann::json::parse(out.out);
  EXPECT_EQ(verified, 2) << "both pages' requests must verify";
  EXPECT_EQ(got["wrong_secret"], "SignatureDoesNotMatch");

  std::vector<Ec2Instance> ours;
  std::string token;
  for (const std::string* page : {&page1, &page2}) {
    auto r = parse_describe_instances(*page, &token);
    ASSERT_TRUE(r.ok());
    ours.insert(ours.end(), r->begin(), r->end());
  }
  const auto& theirs = got["instances"];
  ASSERT_EQ(theirs.size(), ours.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    SCOPED_TRACE(ours[i].instance_id);
    EXPECT_EQ(theirs[i]["id"], ours[i].instance_id);
    EXPECT_EQ(theirs[i]["type"], ours[i].instance_type);
    EXPECT_EQ(theirs[i]["state"], ours[i].state);
    EXPECT_EQ(theirs[i]["launch"].get<int64_t>(), ours[i].launch_time);
    EXPECT_EQ(theirs[i]["reason"], ours[i].state_reason);
    EXPECT_EQ(theirs[i]["tags"].get<Tags>(), ours[i].tags);
    // botocore's top-level PrivateIpAddress; ours prefers NIC 0's, which is the same on EC2.
    EXPECT_EQ(theirs[i]["ip"], ours[i].private_ip);
    for (const auto& ip : theirs[i]["nic_ips"])
      EXPECT_NE(std::find(ours[i].all_private_ips.begin(), ours[i].all_private_ips.end(), ip.get<std::string>()),
                ours[i].all_private_ips.end());
  }
}

}  // namespace
}  // namespace ebbflow::aws
