// Turning a list of Slurm node names into launch calls (slurm_resume and static replacement).
//
// Pure: validates each name against the configured queues and compute resources, groups names
// per (queue, compute resource) in the order given, and splits each group into batches of at
// most `batch_size` nodes, one RunInstances call each. Names that cannot be launched are
// returned with an error code, never silently dropped.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/cluster_model.h"

namespace ebbflow::core {

struct LaunchBatch {
  std::string queue;
  std::string compute_resource;
  std::string instance_type;
  std::vector<std::string> node_names;
};

struct LaunchPlan {
  std::vector<LaunchBatch> batches;
  // error code -> node names ("InvalidNodenameError", "StaticNodeNotResumable", ...).
  std::map<std::string, std::vector<std::string>> rejected;
};

enum class LaunchPurpose { kResume, kStaticReplacement };

LaunchPlan plan_launch(const std::vector<std::string>& node_names, const std::vector<QueueSpec>& queues,
                       int batch_size, LaunchPurpose purpose);

}  // namespace ebbflow::core
