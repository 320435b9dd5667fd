#include "cloud/ec2_xml.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

namespace ebbflow::cloud {
namespace {

Instance sample() {
  Instance i;
  i.id = "i-0123456789abcdef0";
  i.instance_type = "c5.xlarge";
  i.state = kRunning;
  i.private_ip = "127.77.0.5";
  i.private_dns_name = private_dns_name(i.private_ip);
  i.launch_time = 1714564800;  // 2024-05-01T12:00:00Z
  i.tags = {{"Name", "a<b&c"}};
  i.reservation_id = "r-1";
  return i;
}

TEST(Ec2Xml, ErrorShape) {
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(render_error("InvalidInstanceID.NotFound", "no <such>", "rid-1").c_str()));
  auto err = doc.child("Response").child("Errors").child("Error");
  EXPECT_STREQ(err.child_value("Code"), "InvalidInstanceID.NotFound");
  EXPECT_STREQ(err.child_value("Message"), "no <such>");
  EXPECT_STREQ(doc.child("Response").child_value("RequestID"), "rid-1");
}

TEST(Ec2Xml, DescribeInstancesItemUsesBotocoreLocationNames) {
  Instance i = sample();
  std::string body = "<reservationSet><item>" + render_reservation_body("r-1", {&i}, "us-east-1") +
                     "</item></reservationSet>";
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(render_response("DescribeInstances", "rid", body).c_str()));
  auto root = doc.child("DescribeInstancesResponse");
  EXPECT_STREQ(root.attribute("xmlns").value(), kEc2Namespace);
  auto item = root.child("reservationSet").child("item").child("instancesSet").child("item");
  EXPECT_STREQ(item.child_value("instanceId"), "i-0123456789abcdef0");
  EXPECT_STREQ(item.child("instanceState").child_value("code"), "16");
  EXPECT_STREQ(item.child("instanceState").child_value("name"), "running");
  EXPECT_STREQ(item.child_value("privateIpAddress"), "127.77.0.5");
  EXPECT_STREQ(item.child_value("privateDnsName"), "ip-127-77-0-5.ec2.internal");
  EXPECT_STREQ(item.child_value("launchTime"), "2024-05-01T12:00:00.000Z");
  EXPECT_STREQ(item.child("tagSet").child("item").child_value("value"), "a<b&c");
  EXPECT_STREQ(item.child("networkInterfaceSet").child("item").child("attachment").child_value("deviceIndex"), "0");
}

TEST(Ec2Xml, TerminatedInstanceHasStateReasonAndNoAddress) {
  Instance i = sample();
  i.state = kTerminated;
  i.state_reason = kReasonInstanceShutdown;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(render_instance_item(i, "us-east-1").c_str()));
  auto item = doc.child("item");
  EXPECT_STREQ(item.child("instanceState").child_value("code"), "48");
  EXPECT_STREQ(item.child("stateReason").child_value("code"), "Client.InstanceInitiatedShutdown");
  EXPECT_STREQ(item.child("stateReason").child_value("message"),
               "Client.InstanceInitiatedShutdown: Instance initiated shutdown");
  EXPECT_TRUE(item.child("privateIpAddress").empty());
}

TEST(Ec2Xml, StatusItem) {
  Instance i = sample();
  StatusView v{&i, "ok", "impaired", {{"instance-retirement", "retiring", 1714564800}}};
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(render_status_item(v, "eu-west-1").c_str()));
  auto item = doc.child("item");
  EXPECT_STREQ(item.child_value("availabilityZone"), "eu-west-1a");
  EXPECT_STREQ(item.child("instanceStatus").child_value("status"), "ok");
  EXPECT_STREQ(item.child("systemStatus").child("details").child("item").child_value("status"), "failed");
  EXPECT_STREQ(item.child("eventsSet").child("item").child_value("code"), "instance-retirement");
  EXPECT_TRUE(item.child("systemStatus").child("details").child("item").child("impairedSince").empty());
}

TEST(Ec2Xml, ImpairedStatusCarriesImpairedSince) {
  Instance i = sample();
  StatusView v{&i, "impaired", "ok", {}, 1714564800, 0};
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(render_status_item(v, "eu-west-1").c_str()));
  auto item = doc.child("item");
  EXPECT_STREQ(item.child("instanceStatus").child("details").child("item").child_value("impairedSince"),
               "2024-05-01T12:00:00.000Z");
  EXPECT_TRUE(item.child("systemStatus").child("details").child("item").child("impairedSince").empty());
}

}  // namespace
}  // namespace ebbflow::cloud
