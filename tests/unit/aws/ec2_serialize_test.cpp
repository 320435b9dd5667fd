// Ec2Client's requests equal botocore's: the cases in tests/data/aws/ec2_serialize_cases.json
// are serialised by botocore's EC2 serializer (botocore_serialize.py) and by Ec2Client through a
// recording fake HttpClient; the decoded form parameters must be the same maps.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "aws/ec2.h"
#include "aws/query_form.h"
#include "fake_http.h"
#include "test_support.h"

namespace ebbflow::aws {
namespace {

using nlohmann::json;
using ParamMap = std::map<std::string, std::string>;

const char* const kEmptyReply[][2] = {
    {"run_instances",
     "<RunInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><instancesSet><item>"
     "<instanceId>i-1</instanceId></item></instancesSet></RunInstancesResponse>"},
    {"terminate_instances", "<TerminateInstancesResponse><instancesSet/></TerminateInstancesResponse>"},
    {"describe_instances", "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>"},
    {"describe_instance_status", "<DescribeInstanceStatusResponse><instanceStatusSet/></DescribeInstanceStatusResponse>"},
    {"create_tags", "<CreateTagsResponse><return>true</return></CreateTagsResponse>"},
    {"create_launch_template", "<CreateLaunchTemplateResponse><launchTemplate/></CreateLaunchTemplateResponse>"},
    {"delete_launch_template", "<DeleteLaunchTemplateResponse><launchTemplate/></DeleteLaunchTemplateResponse>"},
};

Tags tags_of(const json& j) {
  Tags t;
  for (auto it = j.begin(); it != j.end(); ++it) t[it.key()] = it.value().get<std::string>();
  return t;
}

std::vector<Filter> filters_of(const json& a) {
  std::vector<Filter> out;
  for (const auto& f : a.value("filters", json::array()))
    out.push_back({f["name"], f["values"].get<std::vector<std::string>>()});
  return out;
}

// Issues the case's call through Ec2Client; returns false if the call itself failed.
bool issue(Ec2Client& ec2, const std::string& op, const json& a) {
  auto ids = a.value("ids", std::vector<std::string>{});
  if (op == "run_instances") {
    RunInstancesRequest r;
    r.launch_template_name = a["launch_template_name"];
    r.launch_template_version = a.value("launch_template_version", "$Latest");
    r.instance_type = a.value("instance_type", "");
    r.min_count = a["min_count"];
    r.max_count = a["max_count"];
    r.client_token = a.value("client_token", "");
    r.subnet_id = a.value("subnet_id", "");
    r.instance_tags = tags_of(a.value("instance_tags", json::object()));
    return ec2.run_instances(r).ok();
  }
  if (op == "terminate_instances") return ec2.terminate_instances(ids).ok();
  if (op == "describe_instances") return ec2.describe_instances(filters_of(a), ids).ok();
  if (op == "describe_instance_status")
    return ec2.describe_instance_status(filters_of(a), ids, a.value("include_all_instances", false)).ok();
  if (op == "create_tags") return ec2.create_tags(ids, tags_of(a["tags"])).ok();
  if (op == "create_launch_template") {
    LaunchTemplateRequest r{a["name"], a.value("instance_type", ""), a.value("user_data", ""),
                            tags_of(a.value("instance_tags", json::object()))};
    return ec2.create_launch_template(r).ok();
  }
  if (op == "delete_launch_template") return ec2.delete_launch_template(a["name"]).ok();
  ADD_FAILURE() << "unknown op " << op;
  return false;
}

TEST(Ec2Serialize, RequestsMatchBotocoreSerializer) {
  const std::string cases_path = testing::source_dir() + "/tests/data/aws/ec2_serialize_cases.json";
  auto out = testing::run_command("python3 '" + testing::source_dir() + "/tests/unit/aws/botocore_serialize.py' '" +
                                  cases_path + "'");
  if (out.exit_code == testing::kNoBotocore || out.exit_code == 127)
    GTEST_SKIP() << "python3 with botocore is not available; serializer cross-check skipped";
  ASSERT_EQ(out.exit_code, 0);
  json expected = json::parse(out.out);
  json cases = json::parse(testing::read_file(cases_path));
  ASSERT_EQ(expected.size(), cases.size());

  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i]["name"].get<std::string>());
    auto state = std::make_shared<testing::FakeHttpState>();
    for (const auto& r : kEmptyReply)
      if (cases[i]["op"] == r[0]) state->replies.push_back(testing::reply(200, r[1]));
    ClientConfig config;
    config.endpoint = "http://127.0.0.1:4566";
    config.credentials = {"AKID", "secret", ""};
    Ec2Client ec2(config, std::make_unique<testing::FakeHttpClient>(state));
    ASSERT_TRUE(issue(ec2, cases[i]["op"], cases[i]["args"]));
    ASSERT_EQ(state->requests.size(), 1u);
    const HttpRequest& sent = state->requests[0];
    EXPECT_EQ(sent.method, "POST");
    EXPECT_EQ(sent.url, "http://127.0.0.1:4566/");
    EXPECT_EQ(testing::header_value(sent, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");

    ParamMap ours;
    for (auto& [k, v] : decode_form(sent.body)) EXPECT_TRUE(ours.emplace(k, v).second) << "duplicate " << k;
    ParamMap theirs = expected[i]["params"].get<ParamMap>();
    EXPECT_EQ(ours, theirs);
  }
}

TEST(QueryForm, EncodesLikeSigV4AndDecodesBack) {
  QueryForm form("RunInstances", "2016-11-15");
  form.add("Tag.1.Value", "a b+c/d=e&f~g\xC3\xBC").add("MinCount", 3).add_bool("DryRun", false);
  EXPECT_EQ(form.encode(),
            "Action=RunInstances&Version=2016-11-15&Tag.1.Value=a%20b%2Bc%2Fd%3De%26f~g%C3%BC&MinCount=3&DryRun=false");
  auto decoded = decode_form(form.encode());
  EXPECT_EQ(decoded, form.params());
  EXPECT_EQ(decode_form("a=x+y&b=&c")[0].second, "x y");
  EXPECT_EQ(decode_form("a=x+y&b=&c").size(), 3u);
}

TEST(QueryForm, Base64) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("#!/bin/bash\n"), "IyEvYmluL2Jhc2gK");
}

}  // namespace
}  // namespace ebbflow::aws
