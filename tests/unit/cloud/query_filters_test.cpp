#include <gtest/gtest.h>

#include "cloud/base64.h"
#include "cloud/filters.h"
#include "cloud/query_params.h"

namespace ebbflow::cloud {
namespace {

TEST(QueryParams, DecodesFormAndIndexedLists) {
  auto p = QueryParams::parse(
      "Action=DescribeInstances&InstanceId.2=i-b&InstanceId.1=i-a&InstanceId.10=i-c&"
      "Filter.1.Name=tag%3Arole&Filter.1.Value.1=compute&Filter.1.Value.2=head+node&"
      "Filter.2.Name=instance-state-name&Filter.2.Value.1=running");
  EXPECT_EQ(p.get_or("Action", ""), "DescribeInstances");
  EXPECT_EQ(p.list("InstanceId"), (std::vector<std::string>{"i-a", "i-b", "i-c"}));
  auto f = p.filters();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].name, "tag:role");
  EXPECT_EQ(f[0].values, (std::vector<std::string>{"compute", "head node"}));
  EXPECT_EQ(f[1].name, "instance-state-name");
}

TEST(QueryParams, TagSpecificationsOnlyForTheResourceType) {
  auto p = QueryParams::parse(
      "TagSpecification.1.ResourceType=volume&TagSpecification.1.Tag.1.Key=v&TagSpecification.1.Tag.1.Value=1&"
      "TagSpecification.2.ResourceType=instance&TagSpecification.2.Tag.1.Key=Name&"
      "TagSpecification.2.Tag.1.Value=node-1&TagSpecification.2.Tag.2.Key=empty");
  Tags t = p.tag_specifications("TagSpecification", "instance");
  EXPECT_EQ(t, (Tags{{"Name", "node-1"}, {"empty", ""}}));
}

TEST(QueryParams, IntegerParameterErrors) {
  auto p = QueryParams::parse("MaxCount=3x&MinCount=2");
  EXPECT_FALSE(p.get_int("MaxCount").ok());
  EXPECT_EQ(p.get_int("MaxCount").error().code, "InvalidParameterValue");
  EXPECT_EQ(**p.get_int("MinCount"), 2);
  EXPECT_FALSE(p.get_int("Absent")->has_value());
}

TEST(Filters, WildcardsAndSemantics) {
  EXPECT_TRUE(wildcard_match("c5.*", "c5.xlarge"));
  EXPECT_TRUE(wildcard_match("i-?b*", "i-ab12"));
  EXPECT_FALSE(wildcard_match("c5.*", "m5.large"));
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_FALSE(wildcard_match("a", "ab"));

  Instance i;
  i.id = "i-0123";
  i.state = "running";
  i.instance_type = "c5.xlarge";
  i.private_ip = "127.77.0.9";
  i.tags = {{"ebbflow:cluster", "demo"}, {"role", "compute"}};
  auto values = [&i](const std::string& n) {
    bool known;
    return instance_filter_values(i, n, &known);
  };
  EXPECT_TRUE(matches_all({{"tag:role", {"head", "compute"}}, {"instance-type", {"c5.*"}}}, values));
  EXPECT_FALSE(matches_all({{"tag:role", {"compute"}}, {"instance-state-name", {"terminated"}}}, values));
  EXPECT_TRUE(matches_all({{"tag-key", {"ebbflow:cluster"}}}, values));
  EXPECT_FALSE(matches_all({{"tag:missing", {"*"}}}, values));
  EXPECT_TRUE(matches_all({{"private-ip-address", {"127.77.0.9"}}}, values));

  auto known = [](const std::string& n) {
    bool k;
    instance_filter_values(Instance{}, n, &k);
    return k;
  };
  auto bad = validate_filters({{"instance-stat-name", {"running"}}}, known);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "InvalidParameterValue");
  EXPECT_NE(bad.error().message.find("instance-stat-name"), std::string::npos);
}

TEST(Base64, RoundTripAndRejectsGarbage) {
  for (std::string s : {"", "a", "ab", "abc", "#!/bin/bash\necho hi\n"}) {
    EXPECT_EQ(*base64_decode(base64_encode(s)), s);
  }
  EXPECT_EQ(base64_encode("abc"), "YWJj");
  EXPECT_FALSE(base64_decode("YWJ").has_value());
  EXPECT_FALSE(base64_decode("Y$Jj").has_value());
}

}  // namespace
}  // namespace ebbflow::cloud
