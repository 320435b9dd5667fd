// The section parsers behind load_cluster_config_*(): one per top-level YAML section.
//
// Each takes the section's node (possibly undefined when absent), fills its part of the
// ClusterConfig and reports every problem to `issues`. Cloud is parsed before Scheduling because
// instance types named in queues are checked against the catalog that Cloud.InstanceTypes extends.
#pragma once

#include <yaml-cpp/yaml.h>

#include "config/cluster_config.h"
#include "config/yaml_reader.h"

namespace ebbflow::config::detail {

inline constexpr int kMaxNodesPerCluster = 100000;

void parse_cloud(const YAML::Node& node, ClusterConfig& cfg, Issues& issues);
void parse_scheduling(const YAML::Node& node, ClusterConfig& cfg, Issues& issues);
void parse_daemons(const YAML::Node& node, ClusterConfig& cfg, Issues& issues);

// Reports `type` (read from `reader` at `key`) when it is not in the catalog, listing the closest names.
void check_instance_type(const ClusterConfig& cfg, const std::string& type, MapReader& reader, const std::string& key);

}  // namespace ebbflow::config::detail
