// Temporary instance-role credentials served through the local cloud's IMDS (see imds_credentials.h).
#include "cloud/imds_credentials.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include <nlohmann/json.hpp>
#include <openssl/rand.h>

namespace ebbflow::cloud {
namespace {

std::string random_from(const std::string& alphabet, int n) {
  std::string bytes(static_cast<size_t>(n), '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), n);
  std::string out;
  for (unsigned char b : bytes) out += alphabet[b % alphabet.size()];
  return out;
}

std::string iso8601(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

constexpr const char* kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr const char* kSecret = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

int64_t RoleCredentialStore::ttl_from_env() {
  const char* v = std::getenv("EBBFLOW_CLOUD_ROLE_CREDENTIALS_TTL_S");
  if (v == nullptr || *v == '\0') return kDefaultTtlS;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  return (end && *end == '\0' && n >= 1 && n <= 43200) ? n : kDefaultTtlS;
}

RoleCredentialStore::RoleCredentialStore(int64_t ttl_s) : ttl_s_(std::max<int64_t>(1, ttl_s)) {}

RoleCredentials RoleCredentialStore::current(const std::string& instance_id, int64_t now) {
  std::lock_guard lock(mu_);
  const int64_t renew_before = std::min<int64_t>(300, ttl_s_ / 2);
  auto cur = current_.find(instance_id);
  if (cur != current_.end()) {
    auto it = by_key_.find(cur->second);
    if (it != by_key_.end() && it->second.expiration - now > renew_before) return it->second;
  }
  // Forget sets that expired an hour ago (until then they are answered with RequestExpired).
  for (auto it = by_key_.begin(); it != by_key_.end();)
    it = it->second.expiration + 3600 < now ? by_key_.erase(it) : std::next(it);
  RoleCredentials c;
  c.instance_id = instance_id;
  c.access_key_id = "ASIA" + random_from(kUpper, 16);
  c.secret_access_key = random_from(kSecret, 40);
  c.session_token = "IQoJb3JpZ2luX2Vj" + random_from(kSecret, 200);
  c.issued = now;
  c.expiration = now + ttl_s_;
  by_key_[c.access_key_id] = c;
  current_[instance_id] = c.access_key_id;
  return c;
}

std::optional<std::string> RoleCredentialStore::secret_for(const std::string& access_key_id) const {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(access_key_id);
  if (it == by_key_.end()) return std::nullopt;
  return it->second.secret_access_key;
}

std::optional<Error> RoleCredentialStore::check(const std::string& access_key_id, const std::string& session_token,
                                                int64_t now) const {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(access_key_id);
  if (it == by_key_.end()) return std::nullopt;
  if (session_token != it->second.session_token)
    return make_error(ErrorKind::kGiveUp, "AuthFailure", "AWS was not able to validate the provided access credentials");
  if (now >= it->second.expiration)
    return make_error(ErrorKind::kGiveUp, "RequestExpired", "The security token included in the request is expired");
  return std::nullopt;
}

std::optional<std::string> imds_iam_lookup(RoleCredentialStore& store, const std::string& instance_id,
                                           const std::string& path, int64_t now) {
  std::string p = path;
  while (!p.empty() && p.back() == '/') p.pop_back();
  const std::string base = "meta-data/iam";
  const std::string creds = base + "/security-credentials";
  if (p == base) return "info\nsecurity-credentials/";
  if (p == creds) return RoleCredentialStore::kRoleName;
  if (p == base + "/info") {
    nlohmann::json j = {{"Code", "Success"},
                        {"LastUpdated", iso8601(now)},
                        {"InstanceProfileArn", std::string("arn:aws:iam::000000000000:instance-profile/") +
                                                   RoleCredentialStore::kRoleName},
                        {"InstanceProfileId", "AIPA" + instance_id.substr(2)}};
    return j.dump(2);
  }
  if (p == creds + "/" + RoleCredentialStore::kRoleName) {
    RoleCredentials c = store.current(instance_id, now);
    nlohmann::json j = {{"Code", "Success"},
                        {"LastUpdated", iso8601(c.issued)},
                        {"Type", "AWS-HMAC"},
                        {"AccessKeyId", c.access_key_id},
                        {"SecretAccessKey", c.secret_access_key},
                        {"Token", c.session_token},
                        {"Expiration", iso8601(c.expiration)}};
    return j.dump(2);
  }
  return std::nullopt;
}

}  // namespace ebbflow::cloud
