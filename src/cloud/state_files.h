// The files a local cloud keeps in its state directory, read by the server and by clients:
//   credentials.json  {"access_key_id", "secret_access_key", "region"}  (mode 0600)
//   endpoint          "http://127.0.0.1:PORT" once the server listens (removed on exit)
//   cloud.pid         the server's pid while it runs
//   cloud.log         JSON lines, one per request or lifecycle event
//   cloud.db          the SQLite state (cloud_store.h)
#pragma once

#include <string>

#include "aws/sigv4.h"
#include "util/result.h"

namespace ebbflow::cloud {

struct CloudCredentials {
  aws::Credentials credentials;
  std::string region;
};

// Reads credentials.json, or (create=true) generates and writes it when absent.
Result<CloudCredentials> load_credentials(const std::string& state_dir, bool create, const std::string& region);
Result<std::string> read_endpoint(const std::string& state_dir);  // kUnavailable when not running
Result<int> read_pid(const std::string& state_dir);

// Writes `content` to dir/name atomically (temp file + rename) with `mode`.
Status write_file_atomic(const std::string& dir, const std::string& name, const std::string& content, int mode);

}  // namespace ebbflow::cloud
