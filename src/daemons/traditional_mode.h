// Traditional mode (ParallelCluster 2 style) wiring: what `cluster create/delete` add for a
// cluster whose Scheduling has an AutoScalingGroup, and the process entry points that build
// real clients from the cluster folder and loop the daemons (jobwatcher and sqswatcher on the
// head node, nodewatcher inside `compute-node`).
//
// Names are fixed by the shared plan: group and launch template `<cluster>-compute`, queue
// `<cluster>-events` (the group's lifecycle notifications go to the SNS topic of the same name,
// which the local cloud delivers to that queue), DynamoDB table `<cluster>-hosts`.
// The decisions live in daemons/traditional/ (Jobwatcher, Sqswatcher, Nodewatcher) and core/;
// this file only connects them to the cluster's cloud endpoint, scheduler and clock.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "aws/autoscaling.h"
#include "aws/dynamodb.h"
#include "aws/sqs.h"
#include "daemons/cluster_context.h"
#include "scheduler/traditional/scheduler_port.h"
#include "util/command.h"
#include "util/result.h"

namespace ebbflow::daemons {

std::string group_name(const std::string& cluster);       // <cluster>-compute (also the launch template)
std::string events_queue_name(const std::string& cluster);  // <cluster>-events
std::string hosts_table_name(const std::string& cluster);   // <cluster>-hosts
std::string events_topic_arn(const std::string& region, const std::string& cluster);

// Loop periods (reference: jobwatcher 60 s, sqswatcher 30 s, nodewatcher 60 s). A cluster
// created with EBBFLOW_TRADITIONAL_LOOP_S=N in the environment stores N in cluster.json and
// every daemon (compute nodes included) uses N for all three: tests run in minutes.
struct TraditionalLoops {
  int jobwatcher_s = 60;
  int sqswatcher_s = 30;
  int nodewatcher_s = 60;
};
TraditionalLoops traditional_loops(const ClusterContext& ctx);

// What one compute node offers the scheduler: slots = vCPUs of the group's instance type.
sched::NodeCapacity node_capacity(const ClusterContext& ctx);

// Clients for the cluster's cloud. `instance_role`: sign with the credentials IMDS serves to
// this instance (compute nodes), not the head node's keys from cluster.json.
std::unique_ptr<aws::AutoScalingApi> make_autoscaling_client(const ClusterContext& ctx, bool instance_role = false);
std::unique_ptr<aws::SqsApi> make_sqs_client(const ClusterContext& ctx, bool instance_role = false);
std::unique_ptr<aws::DynamoDbApi> make_dynamodb_client(const ClusterContext& ctx, bool instance_role = false);

// The scheduler adapter of this cluster (slurm; sge and torque when their adapters are built in).
Result<std::unique_ptr<sched::TraditionalScheduler>> make_traditional_scheduler(const ClusterContext& ctx,
                                                                                CommandRunner& runner);

// slurm.conf for a traditional-mode Slurm cluster: MaxSize FUTURE slots (see
// scheduler/slurm/traditional_slurm.h), one partition, no power saving.
std::string render_traditional_slurm_conf(const ClusterContext& ctx);

using TraditionalProgress = std::function<void(const std::string&)>;

// After the local cloud and the scheduler head are up: queue, table, launch template, group
// (+ notifications), jobwatcher and sqswatcher (pid files in run/).
Status create_traditional_cloud_side(ClusterContext& ctx, const TraditionalProgress& progress);
// Stops jobwatcher and sqswatcher, force-deletes the group and waits (bounded) until its
// instances have ended. Best effort: the cloud may already be gone.
void delete_traditional_cloud_side(const ClusterContext& ctx, const TraditionalProgress& progress);

// `cluster status`, traditional branch: the group (min/desired/max and its instances) and the
// scheduler's hosts, added to `status` under "group" and "hosts".
void add_traditional_status(const ClusterContext& ctx, nlohmann::json& status);
std::string render_traditional_status(const nlohmann::json& status);

// Process entry points (`ebbflow jobwatcher|sqswatcher --cluster-dir D`): loop until SIGTERM.
int run_jobwatcher_process(const std::string& cluster_root, bool once);
int run_sqswatcher_process(const std::string& cluster_root, bool once);

// compute-node, traditional branch: IMDS -> scheduler node daemon -> ready message -> nodewatcher
// loop. Returns when the instance terminated itself or on SIGTERM.
int run_traditional_compute_node(ClusterContext& ctx);

}  // namespace ebbflow::daemons
