// `ebbflow cluster status`: what the cluster is doing now, from Slurm, the cloud and the
// daemons' own records, as JSON (the table is rendered from the same JSON).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace ebbflow::daemons {

Result<nlohmann::json> cluster_status(const std::string& name);
// The same for a cluster folder given by path (the dashboard runs with --cluster-dir).
Result<nlohmann::json> cluster_status_dir(const std::string& root);
std::string render_status_table(const nlohmann::json& status);

}  // namespace ebbflow::daemons
