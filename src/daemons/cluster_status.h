// `ebbflow cluster status`: what the cluster is doing now, from Slurm, the cloud and the
// daemons' own records, as JSON (the table is rendered from the same JSON).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace ebbflow::daemons {

Result<nlohmann::json> cluster_status(const std::string& name);
std::string render_status_table(const nlohmann::json& status);

}  // namespace ebbflow::daemons
