// LocalCloud without the HTTP layer: real instance processes, `now` passed explicitly.
#include "cloud/local_cloud.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <pugixml.hpp>

#include "cloud/base64.h"
#include "cloud/instance_process.h"
#include "test_dir.h"

namespace ebbflow::cloud {
namespace {

QueryParams q(std::map<std::string, std::string> m) { return QueryParams(std::move(m)); }

std::vector<std::string> ids_in(const std::string& xml) {
  pugi::xml_document doc;
  doc.load_string(xml.c_str());
  std::vector<std::string> out;
  for (auto n : doc.select_nodes("//instancesSet/item/instanceId")) out.push_back(n.node().child_value());
  return out;
}

std::string error_code(const Ec2Reply& r) {
  pugi::xml_document doc;
  doc.load_string(r.body.c_str());
  return doc.child("Response").child("Errors").child("Error").child_value("Code");
}

class LocalCloudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CloudOptions o;
    o.state_dir = dir_.path();
    o.imds_base_url = "http://127.0.0.1:1/imds/";
    o.kill_grace_s = 0;
    options_ = o;
    auto c = LocalCloud::open(o, now_);
    ASSERT_TRUE(c.ok()) << c.error().describe();
    cloud_ = std::move(*c);
    auto r = cloud_->handle(q({{"Action", "CreateLaunchTemplate"}, {"LaunchTemplateName", "lt"},
                               {"LaunchTemplateData.InstanceType", "t3.micro"},
                               {"LaunchTemplateData.UserData",
                                base64_encode("echo $EBBFLOW_INSTANCE_ID > id.txt\nexec sleep 60\n")},
                               {"LaunchTemplateData.TagSpecification.1.ResourceType", "instance"},
                               {"LaunchTemplateData.TagSpecification.1.Tag.1.Key", "role"},
                               {"LaunchTemplateData.TagSpecification.1.Tag.1.Value", "compute"}}),
                            now_, "r");
    ASSERT_EQ(r.http_status, 200) << r.body;
  }
  void TearDown() override {
    if (!cloud_) return;
    auto state = cloud_->state_json();
    for (auto& i : state["instances"]) {
      if (i["state"] != "terminated") signal_group(i["pgid"].get<int>(), SIGKILL);
    }
    for (int k = 0; k < 50; ++k) cloud_->tick(now_ + 1000);  // reap
  }
  std::vector<std::string> launch(int n, const std::string& token = "") {
    std::map<std::string, std::string> m = {{"Action", "RunInstances"}, {"MinCount", "1"},
                                            {"MaxCount", std::to_string(n)},
                                            {"LaunchTemplate.LaunchTemplateName", "lt"}};
    if (!token.empty()) m["ClientToken"] = token;
    auto r = cloud_->handle(q(m), now_, "r");
    EXPECT_EQ(r.http_status, 200) << r.body;
    return ids_in(r.body);
  }
  std::string state_of(const std::string& id) {
    auto state = cloud_->state_json();  // a local: ranging over a temporary's member dangles
    for (auto& i : state["instances"]) {
      if (i["instance_id"] == id) return i["state"];
    }
    return "gone";
  }
  // Ticks until the instance reaches `state` (real processes take a moment to die).
  bool wait_state(const std::string& id, const std::string& state) {
    for (int k = 0; k < 200; ++k) {
      cloud_->tick(now_);
      if (state_of(id) == state) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << cloud_->state_json().dump();
    return false;
  }

  testing::TempDir dir_;
  CloudOptions options_;
  int64_t now_ = 1'700'000'000;
  std::unique_ptr<LocalCloud> cloud_;
};

TEST_F(LocalCloudTest, RunsUserDataWithItsEnvironmentAndTags) {
  auto ids = launch(2);
  ASSERT_EQ(ids.size(), 2u);
  // The user data is a real process: wait (up to 10 s, for a loaded machine) until it has
  // written the whole line; the file can exist before its content does.
  std::string file = dir_.path() + "/instances/" + ids[0] + "/id.txt";
  std::string got;
  for (int k = 0; k < 500 && got != ids[0]; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(file);
    got.clear();
    in >> got;
  }
  EXPECT_EQ(got, ids[0]);
  auto inst = cloud_->live_instance(ids[0]);
  ASSERT_TRUE(inst.has_value());
  EXPECT_EQ(inst->state, kRunning);
  EXPECT_EQ(inst->tags.at("role"), "compute");
  EXPECT_NE(inst->private_ip, cloud_->live_instance(ids[1])->private_ip);
}

TEST_F(LocalCloudTest, ClientTokenLaunchesOnce) {
  auto first = launch(2, "tok-1");
  auto again = launch(2, "tok-1");
  EXPECT_EQ(first, again);
  EXPECT_EQ(cloud_->state_json()["instances"].size(), 2u);
}

TEST_F(LocalCloudTest, TerminateKillsTheGroupAndKeepsTheRecordForAWhile) {
  auto ids = launch(1);
  int pgid = cloud_->live_instance(ids[0])->pgid;
  auto r = cloud_->handle(q({{"Action", "TerminateInstances"}, {"InstanceId.1", ids[0]}}), now_, "r");
  ASSERT_EQ(r.http_status, 200);
  EXPECT_NE(r.body.find("<name>shutting-down</name>"), std::string::npos);
  ASSERT_TRUE(wait_state(ids[0], kTerminated));
  EXPECT_FALSE(group_alive(pgid));
  cloud_->tick(now_ + 3599);
  EXPECT_EQ(state_of(ids[0]), kTerminated);
  cloud_->tick(now_ + 3600);
  EXPECT_EQ(state_of(ids[0]), "gone");
}

TEST_F(LocalCloudTest, ScriptExitIsAnInstanceInitiatedShutdown) {
  auto r = cloud_->handle(q({{"Action", "RunInstances"}, {"MinCount", "1"}, {"MaxCount", "1"},
                             {"InstanceType", "t3.small"}, {"UserData", base64_encode("exit 0\n")}}),
                          now_, "r");
  auto ids = ids_in(r.body);
  ASSERT_EQ(ids.size(), 1u);
  ASSERT_TRUE(wait_state(ids[0], kTerminated));
  auto d = cloud_->handle(q({{"Action", "DescribeInstances"}, {"InstanceId.1", ids[0]}}), now_, "r");
  EXPECT_NE(d.body.find("Client.InstanceInitiatedShutdown"), std::string::npos);
}

TEST_F(LocalCloudTest, ErrorsUseEc2Codes) {
  EXPECT_EQ(error_code(cloud_->handle(q({{"Action", "Nope"}}), now_, "r")), "InvalidAction");
  EXPECT_EQ(error_code(cloud_->handle(q({{"Action", "TerminateInstances"}, {"InstanceId.1", "i-00000000000000000"}}),
                                      now_, "r")),
            "InvalidInstanceID.NotFound");
  EXPECT_EQ(error_code(cloud_->handle(q({{"Action", "DescribeInstances"}, {"Filter.1.Name", "bogus"},
                                         {"Filter.1.Value.1", "x"}}),
                                      now_, "r")),
            "InvalidParameterValue");
  EXPECT_EQ(error_code(cloud_->handle(q({{"Action", "RunInstances"}, {"MinCount", "1"}, {"MaxCount", "1"},
                                         {"LaunchTemplate.LaunchTemplateName", "missing"}}),
                                      now_, "r")),
            "InvalidLaunchTemplateName.NotFoundException");
  ASSERT_TRUE(cloud_->add_fault({{"kind", "fail-launch"}, {"count", 1}}).ok());
  auto r = cloud_->handle(q({{"Action", "RunInstances"}, {"MinCount", "1"}, {"MaxCount", "1"},
                             {"LaunchTemplate.LaunchTemplateName", "lt"}}),
                          now_, "r");
  EXPECT_EQ(error_code(r), "InsufficientInstanceCapacity");
  EXPECT_TRUE(cloud_->state_json()["instances"].empty());
}

TEST_F(LocalCloudTest, ReopenReadoptsLiveInstancesAndTerminatesDeadOnes) {
  auto ids = launch(2);
  int dead_pgid = cloud_->live_instance(ids[1])->pgid;
  cloud_.reset();  // the "server" goes away; instances keep running
  signal_group(dead_pgid, SIGKILL);
  for (int k = 0; k < 100 && group_alive(dead_pgid); ++k) {
    bool not_child;
    reap_child(dead_pgid, &not_child);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto c = LocalCloud::open(options_, now_ + 10);
  ASSERT_TRUE(c.ok());
  cloud_ = std::move(*c);
  EXPECT_EQ(state_of(ids[0]), kRunning);
  EXPECT_EQ(state_of(ids[1]), kTerminated);
  // The adopted one is still managed: terminate works on it.
  auto r = cloud_->handle(q({{"Action", "TerminateInstances"}, {"InstanceId.1", ids[0]}}), now_, "r");
  ASSERT_EQ(r.http_status, 200);
  EXPECT_TRUE(wait_state(ids[0], kTerminated));
}

}  // namespace
}  // namespace ebbflow::cloud
