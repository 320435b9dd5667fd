#include "cloud/cloud_store.h"

#include <gtest/gtest.h>

#include "test_dir.h"

namespace ebbflow::cloud {
namespace {

TEST(CloudStore, EverythingSurvivesReopening) {
  testing::TempDir dir;
  std::string db = dir.path() + "/cloud.db";
  {
    auto store = CloudStore::open(db);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    Instance a;
    a.id = "i-aaaaaaaaaaaaaaaaa";
    a.instance_type = "c5.xlarge";
    a.state = kRunning;
    a.private_ip = "127.77.0.2";
    a.tags = {{"role", "compute"}, {"x", "a'b\"c"}};
    a.pgid = 4242;
    a.launch_time = 100;
    Instance b = a;
    b.id = "i-bbbbbbbbbbbbbbbbb";
    b.state = kTerminated;
    b.state_reason = kReasonInternalError;
    b.launch_time = 101;
    ASSERT_TRUE((*store)->put_instances({&a, &b}).ok());
    b.tags["later"] = "1";
    ASSERT_TRUE((*store)->put_instance(b).ok());  // upsert
    LaunchTemplate lt{"lt-1", "compute", "c5.xlarge", "#!/bin/bash\nsleep 1\n", {{"k", "v"}}, 5};
    ASSERT_TRUE((*store)->put_launch_template(lt).ok());
    ASSERT_TRUE((*store)->put_client_token("tok", {"i-aaaaaaaaaaaaaaaaa"}, 100).ok());
    ASSERT_TRUE((*store)->save_faults({*fault_from_json({{"kind", "fail-launch"}, {"id", 7}, {"count", -1}})}).ok());
  }
  auto store = CloudStore::open(db);
  ASSERT_TRUE(store.ok());
  auto instances = (*store)->load_instances();
  ASSERT_TRUE(instances.ok());
  ASSERT_EQ(instances->size(), 2u);
  EXPECT_EQ((*instances)[0].id, "i-aaaaaaaaaaaaaaaaa");
  EXPECT_EQ((*instances)[0].pgid, 4242);
  EXPECT_EQ((*instances)[0].tags.at("x"), "a'b\"c");
  EXPECT_EQ((*instances)[1].state_reason, kReasonInternalError);
  EXPECT_EQ((*instances)[1].tags.at("later"), "1");
  auto lts = (*store)->load_launch_templates();
  ASSERT_EQ(lts->size(), 1u);
  EXPECT_EQ((*lts)[0].user_data, "#!/bin/bash\nsleep 1\n");
  EXPECT_EQ((*lts)[0].instance_tags.at("k"), "v");
  auto tokens = (*store)->load_client_tokens();
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].second, std::vector<std::string>{"i-aaaaaaaaaaaaaaaaa"});
  auto faults = (*store)->load_faults();
  ASSERT_EQ(faults->size(), 1u);
  EXPECT_EQ((*faults)[0].id, 7);
  EXPECT_EQ((*faults)[0].remaining, -1);

  ASSERT_TRUE((*store)->delete_instance("i-aaaaaaaaaaaaaaaaa").ok());
  ASSERT_TRUE((*store)->delete_launch_template("compute").ok());
  EXPECT_EQ((*store)->load_instances()->size(), 1u);
  EXPECT_TRUE((*store)->load_launch_templates()->empty());
}

}  // namespace
}  // namespace ebbflow::cloud
