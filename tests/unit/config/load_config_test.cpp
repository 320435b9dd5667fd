// Valid configurations load with the documented defaults; the examples validate; the JSON view
// and ConfigIssue::to_string have the promised shapes.
#include <gtest/gtest.h>

#include "config/cluster_config.h"
#include "config/config_json.h"
#include "test_paths.h"

namespace ebbflow::config {
namespace {

ClusterConfig load_ok(const std::string& file) {
  LoadResult r = load_cluster_config_file(file);
  std::string issues;
  for (const auto& i : r.issues) issues += i.to_string(file) + "\n";
  EXPECT_TRUE(r.issues.empty()) << issues;
  EXPECT_TRUE(r.config.has_value());
  return r.config.value_or(ClusterConfig{});
}

TEST(LoadConfig, MinimalFileGetsEveryDefault) {
  ClusterConfig c = load_ok(testing::configs_dir() + "/valid/minimal.yaml");
  const ClusterConfig defaults;
  EXPECT_EQ(c.region, "eu-west-1");
  EXPECT_EQ(c.scheduler, "slurm");
  EXPECT_EQ(c.cloud.provider, "local");
  EXPECT_EQ(c.cloud.credentials, "auto");
  EXPECT_TRUE(c.cloud.endpoint.empty());
  EXPECT_TRUE(c.queue_mode());
  ASSERT_EQ(c.queues.size(), 1u);
  ASSERT_EQ(c.queues[0].compute_resources.size(), 1u);
  const auto& cr = c.queues[0].compute_resources[0];
  EXPECT_EQ(cr.name, "cr");
  EXPECT_EQ(cr.instance_type, "t3.micro");
  EXPECT_EQ(cr.min_count, 0);
  EXPECT_EQ(cr.max_count, 10);
  EXPECT_EQ(c.slurm.scaledown_idletime_min, 10);
  EXPECT_EQ(c.slurm.resume_timeout_s, 1800);
  EXPECT_EQ(c.slurm.suspend_timeout_s, 120);
  EXPECT_EQ(c.slurm.scaling_strategy, "best-effort");
  EXPECT_EQ(c.clustermgtd.loop_time_s, 60);
  EXPECT_EQ(c.clustermgtd.node_replacement_timeout_s, 1800);
  EXPECT_EQ(c.clustermgtd.ec2_instance_missing_max_count, 2);
  EXPECT_TRUE(c.clustermgtd.terminate_drain_nodes);
  EXPECT_EQ(c.clustermgtd.launch_max_batch_size, 500);
  EXPECT_EQ(c.computemgtd.clustermgtd_timeout_s, 300);
  EXPECT_EQ(nlohmann::json(to_json(c)["Daemons"]), nlohmann::json(to_json(defaults)["Daemons"]));
  EXPECT_EQ(c.source_file, testing::configs_dir() + "/valid/minimal.yaml");
}

TEST(LoadConfig, ScaledownPolicyChoosesWhoReleasesIdleNodes) {
  auto with = [](const std::string& policy) {
    return load_cluster_config_string("Region: us-east-1\nCloud:\n  Provider: local\nScheduling:\n  Scheduler: slurm\n  SlurmSettings:\n"
                                      "    ScaledownIdletime: 5\n    ScaledownPolicy: " + policy +
                                          "\n  SlurmQueues:\n    - Name: q\n      ComputeResources:\n"
                                          "        - Name: c\n          InstanceType: c5.xlarge\n"
                                          "          MaxCount: 2\n",
                                      "policy.yaml");
  };
  LoadResult timer = with("idle-timer");
  ASSERT_TRUE(timer.config.has_value());
  EXPECT_FALSE(timer.config->slurm.warm_pool());
  EXPECT_EQ(timer.config->slurm.suspend_time_s(), 300);
  LoadResult warm = with("warm-pool");
  ASSERT_TRUE(warm.config.has_value());
  EXPECT_TRUE(warm.config->slurm.warm_pool());
  EXPECT_EQ(warm.config->slurm.suspend_time_s(), 1200) << "the rule's longest idle time, 4 x ScaledownIdletime";
  EXPECT_EQ(to_json(*warm.config)["Scheduling"]["SlurmSettings"]["ScaledownPolicy"], "warm-pool");
  LoadResult typo = with("warm_pool");
  ASSERT_EQ(typo.issues.size(), 1u);
  const std::string text = typo.issues[0].to_string("policy.yaml");
  EXPECT_NE(text.find("ScaledownPolicy"), std::string::npos) << text;
  EXPECT_NE(text.find("did you mean 'warm-pool'"), std::string::npos) << text;
  EXPECT_EQ(ClusterConfig{}.slurm.scaledown_policy, "warm-pool");  // the default since 2026-12-05
}

TEST(LoadConfig, EveryKeyIsReadWhenGiven) {
  ClusterConfig c = load_ok(testing::configs_dir() + "/valid/multi-queue.yaml");
  EXPECT_EQ(c.cloud.provider, "aws");
  EXPECT_EQ(c.cloud.endpoint, "http://127.0.0.1:5000");
  EXPECT_EQ(c.cloud.credentials, "profile:hpc");
  EXPECT_EQ(c.slurm.scaledown_idletime_min, -1);
  EXPECT_EQ(c.slurm.resume_timeout_s, 600);
  EXPECT_EQ(c.slurm.suspend_timeout_s, 60);
  EXPECT_EQ(c.slurm.scaling_strategy, "all-or-nothing");
  ASSERT_EQ(c.queues.size(), 2u);
  EXPECT_EQ(c.queues[1].name, "gpu-1");
  ASSERT_NE(c.find_compute_resource("cpu", "tiny"), nullptr);
  EXPECT_EQ(c.find_compute_resource("cpu", "tiny")->min_count, 0);
  EXPECT_EQ(c.find_compute_resource("cpu", "tiny")->max_count, 3);
  EXPECT_EQ(c.find_compute_resource("gpu-1", "tiny"), nullptr);
  EXPECT_EQ(c.find_queue("nope"), nullptr);
  EXPECT_EQ(c.static_node_count(), 2);
  EXPECT_EQ(c.dynamic_node_count(), 4 + 3 + 2);
  EXPECT_EQ(c.clustermgtd.loop_time_s, 30);
  EXPECT_FALSE(c.clustermgtd.terminate_drain_nodes);
  EXPECT_TRUE(c.clustermgtd.disable_ec2_health_check);
  EXPECT_EQ(c.clustermgtd.launch_max_batch_size, 100);
  EXPECT_EQ(c.clustermgtd.insufficient_capacity_timeout_s, 0);
  EXPECT_EQ(c.computemgtd.clustermgtd_timeout_s, 120);
}

TEST(LoadConfig, CloudInstanceTypesExtendAndOverrideTheCatalog) {
  ClusterConfig c = load_ok(testing::configs_dir() + "/valid/multi-queue.yaml");
  auto tiny = find_instance_type(c, "x9.tiny");
  ASSERT_TRUE(tiny.has_value());
  EXPECT_EQ(tiny->vcpus, 2);
  EXPECT_EQ(tiny->memory_mib, 1024);
  EXPECT_EQ(tiny->gpus, 1);
  auto c5 = find_instance_type(c, "c5.xlarge");
  ASSERT_TRUE(c5.has_value());
  EXPECT_EQ(c5->vcpus, 1);  // the configured entry wins over the built-in 4 vCPUs
  EXPECT_EQ(c5->memory_mib, 512);
  EXPECT_EQ(find_instance_type(ClusterConfig{}, "c5.xlarge")->vcpus, 4);
  EXPECT_FALSE(find_instance_type(ClusterConfig{}, "x9.tiny").has_value());
}

TEST(LoadConfig, BuiltinCatalogHasRealFigures) {
  ClusterConfig none;
  EXPECT_EQ(find_instance_type(none, "p3.2xlarge")->gpus, 1);
  EXPECT_EQ(find_instance_type(none, "g4dn.xlarge")->gpus, 1);
  EXPECT_EQ(find_instance_type(none, "c5n.18xlarge")->vcpus, 72);
  EXPECT_EQ(find_instance_type(none, "hpc6a.48xlarge")->memory_mib, 384 * 1024);
  EXPECT_EQ(find_instance_type(none, "t3.micro")->memory_mib, 1024);
  std::set<std::string> names;
  for (const auto& t : builtin_instance_types()) EXPECT_TRUE(names.insert(t.name).second) << t.name;
}

TEST(LoadConfig, TraditionalModeReadsTheAutoScalingGroup) {
  ClusterConfig c = load_ok(testing::configs_dir() + "/valid/traditional-sge.yaml");
  EXPECT_EQ(c.scheduler, "sge");
  EXPECT_FALSE(c.queue_mode());
  EXPECT_TRUE(c.queues.empty());
  ASSERT_TRUE(c.auto_scaling_group.has_value());
  EXPECT_EQ(c.auto_scaling_group->instance_type, "c5.large");
  EXPECT_EQ(c.auto_scaling_group->min_size, 1);
  EXPECT_EQ(c.auto_scaling_group->max_size, 5);
  EXPECT_EQ(c.auto_scaling_group->initial_size, 1);  // defaults to MinSize
  EXPECT_EQ(c.auto_scaling_group->scaledown_idletime_min, 5);
}

TEST(LoadConfig, ExamplesValidate) {
  ClusterConfig local = load_ok(testing::source_dir() + "/examples/local-slurm.yaml");
  EXPECT_EQ(local.region, "us-east-1");
  EXPECT_EQ(local.cloud.provider, "local");
  EXPECT_EQ(local.slurm.scaledown_idletime_min, 1);
  ASSERT_NE(local.find_compute_resource("compute", "c5xlarge"), nullptr);
  EXPECT_EQ(local.find_compute_resource("compute", "c5xlarge")->min_count, 1);
  EXPECT_EQ(local.find_compute_resource("compute", "c5xlarge")->max_count, 4);
  // full-reference.yaml writes every default out: it must load to exactly the defaults.
  ClusterConfig full = load_ok(testing::source_dir() + "/examples/full-reference.yaml");
  ClusterConfig defaults;
  EXPECT_EQ(to_json(full)["Daemons"], to_json(defaults)["Daemons"]);
  EXPECT_EQ(to_json(full)["Scheduling"]["SlurmSettings"], to_json(defaults)["Scheduling"]["SlurmSettings"]);
  EXPECT_EQ(full.find_compute_resource("compute", "c5xlarge")->max_count, ComputeResource{}.max_count);
}

TEST(LoadConfig, JsonViewRoundTripsTheValues) {
  ClusterConfig c = load_ok(testing::configs_dir() + "/valid/multi-queue.yaml");
  nlohmann::json j = to_json(c);
  EXPECT_EQ(j["Region"], "eu-central-1");
  EXPECT_EQ(j["Scheduling"]["SlurmQueues"][0]["ComputeResources"][0]["MinCount"], 2);
  EXPECT_EQ(j["Cloud"]["InstanceTypes"][1]["Name"], "x9.tiny");
  EXPECT_EQ(j["Daemons"]["Clustermgtd"]["TerminateDrainNodes"], false);
  std::vector<ConfigIssue> issues{{"Region", 3, 9, "bad"}};
  EXPECT_EQ(to_json(issues)[0]["Line"], 3);
  EXPECT_EQ(to_json(issues)[0]["Path"], "Region");
}

TEST(ConfigIssue, ToStringOmitsAnUnknownPosition) {
  EXPECT_EQ((ConfigIssue{"Scheduling.SlurmQueues[0].Name", 12, 5, "bad name"}).to_string("c.yaml"),
            "c.yaml:12:5: Scheduling.SlurmQueues[0].Name: bad name");
  EXPECT_EQ((ConfigIssue{"Region", 0, 0, "missing"}).to_string("c.yaml"), "c.yaml: Region: missing");
}

TEST(LoadConfig, ProblemsAreAllReportedNotJustTheFirst) {
  const std::string yaml =
      "Region: us-east-1\nCloud: {Provider: local}\nScheduling:\n  SlurmQueues:\n"
      "    - Name: a\n      ComputeResources: [{Name: x, InstanceType: t3.micro, MinCount: 9, MaxCount: 3}]\n"
      "    - Name: b\n      ComputeResources: [{Name: y, InstanceType: nope.big}]\n";
  LoadResult r = load_cluster_config_string(yaml, "inline");
  EXPECT_FALSE(r.config.has_value());
  ASSERT_EQ(r.issues.size(), 2u);
  EXPECT_EQ(r.issues[0].line, 6);
  EXPECT_EQ(r.issues[1].line, 8);
  EXPECT_EQ(r.issues[1].path, "Scheduling.SlurmQueues[1].ComputeResources[0].InstanceType");
}

TEST(LoadConfig, MissingFileIsAnIssueNotACrash) {
  LoadResult r = load_cluster_config_file("/nonexistent/dir/cluster.yaml");
  EXPECT_FALSE(r.config.has_value());
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_NE(r.issues[0].message.find("cannot open"), std::string::npos);
}


TEST(LoadConfig, ParallelClusterOnlyKeysGetAnExplanation) {
  const std::string yaml =
      "Region: us-east-1\nHeadNode: {InstanceType: t3.micro}\nCloud: {Provider: local}\nScheduling:\n"
      "  SlurmQueues:\n    - Name: q\n      ComputeResources:\n"
      "        - {Name: c, Instances: [{InstanceType: t3.micro}], InstanceType: t3.micro}\n";
  LoadResult r = load_cluster_config_string(yaml, "pc3.yaml");
  ASSERT_EQ(r.issues.size(), 2u);
  EXPECT_EQ(r.issues[0].path, "HeadNode");
  EXPECT_NE(r.issues[0].message.find("ParallelCluster 3 setting that ebbflow does not use"), std::string::npos);
  EXPECT_EQ(r.issues[1].path, "Scheduling.SlurmQueues[0].ComputeResources[0].Instances");
  EXPECT_NE(r.issues[1].message.find("either InstanceType (one type) or Instances"), std::string::npos);
}

TEST(LoadConfig, FleetSettingsAndTheLaunchApiRule) {
  ClusterConfig c = load_ok(testing::configs_dir() + "/valid/fleet.yaml");
  const ComputeResource* mixed = c.find_compute_resource("flex", "mixed");
  ASSERT_NE(mixed, nullptr);
  EXPECT_EQ(mixed->instance_types, (std::vector<std::string>{"c5.xlarge", "m5.xlarge"}));
  EXPECT_EQ(mixed->instance_type, "c5.xlarge");
  EXPECT_EQ(mixed->launch_api, "create-fleet");
  EXPECT_EQ(mixed->capacity_type, "spot");                      // inherited from the queue
  EXPECT_EQ(mixed->allocation_strategy, "capacity-optimized");  // inherited from the queue
  EXPECT_EQ(mixed->spot_price, "0.25");
  EXPECT_EQ(c.find_queue("flex")->subnet_ids, (std::vector<std::string>{"subnet-a", "subnet-b"}));
  const ComputeResource* od = c.find_compute_resource("flex", "ondemand");
  EXPECT_EQ(od->capacity_type, "on-demand");
  EXPECT_EQ(od->allocation_strategy, "prioritized");
  EXPECT_EQ(od->launch_api, "create-fleet");  // two subnets: RunInstances takes one
  const ComputeResource* single = c.find_compute_resource("plain", "single");
  EXPECT_EQ(single->launch_api, "run-instances");
  EXPECT_EQ(single->instance_types, (std::vector<std::string>{"t3.micro"}));
  EXPECT_EQ(single->allocation_strategy, "lowest-price");
  EXPECT_TRUE(c.find_queue("plain")->subnet_ids.empty());
  EXPECT_EQ(c.find_compute_resource("plain", "forced")->launch_api, "create-fleet");
  nlohmann::json j = to_json(c);
  EXPECT_EQ(j["Scheduling"]["SlurmQueues"][0]["ComputeResources"][0]["Instances"][1]["InstanceType"], "m5.xlarge");
  EXPECT_EQ(j["Scheduling"]["SlurmQueues"][0]["ComputeResources"][0]["CapacityType"], "SPOT");
  EXPECT_EQ(j["Scheduling"]["SlurmQueues"][0]["Networking"]["SubnetIds"][1], "subnet-b");
}

TEST(LoadConfig, WindowsLineEndingsAndByteOrderMarkAreFine) {
  const std::string yaml =
      "\xEF\xBB\xBFRegion: us-east-1\r\nCloud:\r\n  Provider: local\r\nScheduling:\r\n  SlurmQueues:\r\n"
      "    - Name: q\r\n      ComputeResources:\r\n        - Name: c\r\n          InstanceType: t3.micro\r\n"
      "          MinCount: x\r\n";
  LoadResult r = load_cluster_config_string(yaml, "crlf.yaml");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].line, 10);
  EXPECT_EQ(r.issues[0].column, 21);
  EXPECT_NE(r.issues[0].message.find("got 'x'"), std::string::npos);
}

TEST(LoadConfig, DirectoryIsAnIssue) {
  LoadResult r = load_cluster_config_file(testing::configs_dir());
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_NE(r.issues[0].message.find("directory"), std::string::npos);
}


TEST(LoadConfig, SeveralDocumentsAreRefusedFileWide) {
  LoadResult r = load_cluster_config_string("Region: us-east-1\n---\nRegion: us-west-2\n", "two.yaml");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].line, 0);
  EXPECT_NE(r.issues[0].message.find("2 YAML documents"), std::string::npos);
}

}  // namespace
}  // namespace ebbflow::config
