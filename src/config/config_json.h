// JSON views of a parsed cluster configuration and of its issues.
//
// `ebbflow validate --json` prints these, and other commands can use them to record the exact
// configuration a cluster was created with. Keys keep the YAML spelling (PascalCase) so a
// reader can map the JSON back onto the YAML reference (docs/configuration.md).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "config/cluster_config.h"

namespace ebbflow::config {

nlohmann::json to_json(const ClusterConfig& cfg);                 // every value, defaults included
nlohmann::json to_json(const std::vector<ConfigIssue>& issues);  // [{Path, Line, Column, Message}]

}  // namespace ebbflow::config
