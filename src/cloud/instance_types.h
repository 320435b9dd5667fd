// Which instance types the local cloud accepts in RunInstances / CreateLaunchTemplate.
//
// The catalog belongs to the config module (config::builtin_instance_types()); until that is
// linked here, a small fallback table with the same names is used. Swap the body of
// known_instance_type() to consult the config catalog when it lands.
#pragma once

#include <string>
#include <vector>

namespace ebbflow::cloud {

bool known_instance_type(const std::string& name);
const std::vector<std::string>& fallback_instance_types();

}  // namespace ebbflow::cloud
