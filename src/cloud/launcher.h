// Starting the local cloud from the command line: pre-flight checks and daemonising.
//
// prepare_start() refuses to start a second server on one state directory, makes the path
// absolute, and remembers the previous run's port (so instances that survived a restart keep a
// working IMDS endpoint). serve_in_background() double-forks: the caller returns once the
// server wrote its endpoint file (or with the server's start-up error), so scripts can go on.
#pragma once

#include <string>

#include "cloud/server.h"
#include "util/result.h"

namespace ebbflow::cloud {

Status prepare_start(ServeOptions& options);
// Returns the endpoint ("http://127.0.0.1:PORT").
Result<std::string> serve_in_background(const ServeOptions& options);

// Sends SIGTERM to the server recorded in state_dir/cloud.pid and waits (up to `timeout_s`)
// for it to exit. kNotFound when no server is running there.
Status stop_server(const std::string& state_dir, int timeout_s);

}  // namespace ebbflow::cloud
