// The client side of the local cloud's admin API (POST /_ebbflow/<action>, JSON, SigV4 with
// service "ebbflow"), used by `ebbflow cloud fault` / `instances` and by tests. It finds the
// endpoint and credentials in the state directory.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace ebbflow::cloud {

// method "POST" (with `body`) or "GET". Errors: kUnavailable when the server is not running or
// not reachable; the server's {"error": {code, message}} otherwise.
Result<nlohmann::json> admin_call(const std::string& state_dir, const std::string& method, const std::string& action,
                                  const nlohmann::json& body = nlohmann::json::object());

}  // namespace ebbflow::cloud
