// The instance metadata service (IMDSv2 subset) each local-cloud instance sees.
//
// Served at /imds/<instance-id>/latest/...: PUT latest/api/token (header
// X-aws-ec2-metadata-token-ttl-seconds, 1..21600) returns a session token bound to that
// instance; every GET must carry it in X-aws-ec2-metadata-token. As with real IMDS these calls
// are not signed; the token only proves the caller asked for one. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "cloud/model.h"

namespace ebbflow::cloud {

class ImdsTokens {
 public:
  std::string issue(const std::string& instance_id, int64_t ttl_s, int64_t now);
  // True if `token` was issued for `instance_id` and has not expired.
  bool valid(const std::string& token, const std::string& instance_id, int64_t now);

 private:
  struct Entry {
    std::string instance_id;
    int64_t expires = 0;
  };
  std::mutex mu_;  // guards tokens_
  std::map<std::string, Entry> tokens_;
};

// The answer for GET latest/<path> (e.g. "meta-data/instance-id"), or nullopt (404).
std::optional<std::string> imds_lookup(const Instance& inst, const std::string& path, const std::string& region);

}  // namespace ebbflow::cloud
