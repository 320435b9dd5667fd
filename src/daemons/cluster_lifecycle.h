// The cluster's life from `ebbflow cluster create` to `ebbflow cluster delete`.
//
// create: validate the configuration, lay out the cluster folder, start the local cloud, munge,
// slurmctld (with a generated slurm.conf) and clustermgtd, and register one launch template
// per compute resource. delete: stop clustermgtd, terminate every compute instance, stop what
// create started (by PID), remove the folder. Each step prints one progress line.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemons/cluster_context.h"
#include "util/result.h"

namespace ebbflow::daemons {

using Progress = std::function<void(const std::string&)>;

struct CreateOptions {
  std::string config_file;
  std::string name;            // empty: derived from the file name
  std::string ebbflow_binary;  // absolute path of this executable
};

Result<std::string> create_cluster(const CreateOptions& options, const Progress& progress);

struct DeleteOptions {
  bool keep_files = false;
};
Status delete_cluster(const std::string& name, const DeleteOptions& options, const Progress& progress);

// Fleet control: asks clustermgtd to stop (terminate all compute instances, partitions
// INACTIVE) or start (partitions UP, static capacity relaunched, protected mode cleared).
Status request_fleet(const std::string& name, bool start, const Progress& progress);

std::vector<std::string> list_clusters();
bool valid_cluster_name(const std::string& name);

// Shell exports for using the cluster (`eval "$(ebbflow cluster env NAME)"`).
Result<std::string> cluster_env(const std::string& name);

}  // namespace ebbflow::daemons
