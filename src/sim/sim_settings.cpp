#include "sim/sim_settings.h"

namespace ebbflow::sim {

const char* policy_name(Policy p) {
  switch (p) {
    case Policy::kEbbflow: return "ebbflow";
    case Policy::kPcluster3: return "pcluster3";
    case Policy::kPcluster2: return "pcluster2";
    case Policy::kStatic: return "static";
    case Policy::kLowerBound: return "lower-bound";
  }
  return "?";
}

std::optional<Policy> parse_policy(std::string_view name) {
  for (Policy p : all_policies())
    if (name == policy_name(p)) return p;
  return std::nullopt;
}

std::vector<Policy> all_policies() {
  return {Policy::kEbbflow, Policy::kPcluster3, Policy::kPcluster2, Policy::kStatic, Policy::kLowerBound};
}

}  // namespace ebbflow::sim
