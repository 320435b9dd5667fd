// Instance-role credentials for the local cloud, as EC2 serves them through IMDS: every
// instance has the role `ebbflow-compute`, and meta-data/iam/security-credentials/<role>
// returns temporary credentials (ASIA... key id, secret, session token, Expiration) that the
// server accepts for SigV4 until they expire. Then requests signed with them fail with
// RequestExpired ("The security token included in the request is expired"), as on EC2, and the
// next IMDS fetch returns new ones. An instance gets new credentials once less than
// min(300 s, ttl/2) of the current ones remain; old ones stay valid until their own expiry.
//
// The lifetime is 900 s, or EBBFLOW_CLOUD_ROLE_CREDENTIALS_TTL_S in the server's environment
// (tests use a few seconds to watch expiry happen). Thread-safe; time is an argument.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "util/result.h"

namespace ebbflow::cloud {

struct RoleCredentials {
  std::string instance_id;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  int64_t issued = 0;
  int64_t expiration = 0;
};

class RoleCredentialStore {
 public:
  static constexpr const char* kRoleName = "ebbflow-compute";
  static constexpr int64_t kDefaultTtlS = 900;

  explicit RoleCredentialStore(int64_t ttl_s = ttl_from_env());
  static int64_t ttl_from_env();

  // The instance's current credentials; new ones when it has none or they are about to expire.
  RoleCredentials current(const std::string& instance_id, int64_t now);
  // For SigV4 verification: the secret of a role key id (expired or not), else nullopt.
  std::optional<std::string> secret_for(const std::string& access_key_id) const;
  // After the signature checked out: a role key must carry its session token and be unexpired.
  // nullopt for keys that are not role keys, and for good ones.
  std::optional<Error> check(const std::string& access_key_id, const std::string& session_token, int64_t now) const;

 private:
  const int64_t ttl_s_;
  mutable std::mutex mu_;  // guards by_key_ and current_
  std::map<std::string, RoleCredentials> by_key_;   // every unexpired (or recently expired) set
  std::map<std::string, std::string> current_;      // instance id -> its newest key id
};

// IMDS paths under meta-data/iam (info, security-credentials/, security-credentials/<role>);
// nullopt for any other path. `now` dates LastUpdated and picks the credentials.
std::optional<std::string> imds_iam_lookup(RoleCredentialStore& store, const std::string& instance_id,
                                           const std::string& path, int64_t now);

}  // namespace ebbflow::cloud
