// The built-in instance-type catalog: real EC2 figures (vCPUs, memory in MiB, NVIDIA GPUs) for
// a useful set of types, plus two "local.*" types sized for a small machine running the local
// cloud. Cloud.InstanceTypes extends it and may override a built-in entry (a local cloud may
// want "c5.xlarge" to be much smaller than the real one).
#include <algorithm>

#include "config/cluster_config.h"

namespace ebbflow::config {

const std::vector<InstanceTypeInfo>& builtin_instance_types() {
  static const std::vector<InstanceTypeInfo> kTypes = {
      // name             vCPU  MiB      GPUs
      {"t2.micro", 1, 1024, 0},
      {"t2.medium", 2, 4096, 0},
      {"t3.micro", 2, 1024, 0},
      {"t3.small", 2, 2048, 0},
      {"t3.medium", 2, 4096, 0},
      {"t3.large", 2, 8192, 0},
      {"t3.xlarge", 4, 16384, 0},
      {"c4.xlarge", 4, 7680, 0},
      {"c5.large", 2, 4096, 0},
      {"c5.xlarge", 4, 8192, 0},
      {"c5.2xlarge", 8, 16384, 0},
      {"c5.4xlarge", 16, 32768, 0},
      {"c5.9xlarge", 36, 73728, 0},
      {"c5.18xlarge", 72, 147456, 0},
      {"c5n.large", 2, 5376, 0},
      {"c5n.18xlarge", 72, 196608, 0},
      {"c6i.large", 2, 4096, 0},
      {"c6i.xlarge", 4, 8192, 0},
      {"c6i.2xlarge", 8, 16384, 0},
      {"m5.large", 2, 8192, 0},
      {"m5.xlarge", 4, 16384, 0},
      {"m5.2xlarge", 8, 32768, 0},
      {"m5.4xlarge", 16, 65536, 0},
      {"r5.large", 2, 16384, 0},
      {"r5.xlarge", 4, 32768, 0},
      {"r5.2xlarge", 8, 65536, 0},
      {"p3.2xlarge", 8, 62464, 1},
      {"p3.8xlarge", 32, 249856, 4},
      {"g4dn.xlarge", 4, 16384, 1},
      {"g4dn.12xlarge", 48, 196608, 4},
      {"hpc6a.48xlarge", 96, 393216, 0},
      {"local.small", 1, 512, 0},
      {"local.large", 2, 2048, 0},
  };
  return kTypes;
}

std::optional<InstanceTypeInfo> find_instance_type(const ClusterConfig& cfg, const std::string& name) {
  // Cloud.InstanceTypes first, so a configured entry overrides the built-in one of the same name.
  for (const auto& t : cfg.cloud.extra_instance_types)
    if (t.name == name) return t;
  for (const auto& t : builtin_instance_types())
    if (t.name == name) return t;
  return std::nullopt;
}

}  // namespace ebbflow::config
