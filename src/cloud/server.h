// `ebbflow cloud serve`: the HTTP front of the local cloud.
//
// Binds 127.0.0.1 only. Routes: POST/GET / (EC2 Query API, SigV4 service "ec2"),
// /_ebbflow/<action> (admin JSON API, SigV4 service "ebbflow"), /imds/<id>/latest/... (IMDSv2,
// unsigned). Runs a supervisor thread (LocalCloud::tick) and stops cleanly on SIGTERM/SIGINT,
// leaving instances running (a restarted server re-adopts them).
#pragma once

#include <functional>
#include <string>

#include "util/result.h"

namespace ebbflow::cloud {

struct ServeOptions {
  std::string state_dir;
  int port = 0;                 // 0: the previous run's port if free, else any free port
  int preferred_port = 0;       // tried first when port == 0 (set by the CLI from a stale endpoint)
  std::string address_pool = "127.77.0.0/16";
  std::string region = "us-east-1";
};

// Runs until SIGTERM/SIGINT. `on_ready(endpoint)` is called once the endpoint file is written.
// Returns an error if the server could not start.
Status serve(const ServeOptions& options, const std::function<void(const std::string&)>& on_ready);

}  // namespace ebbflow::cloud
