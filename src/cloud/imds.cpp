#include "cloud/imds.h"

namespace ebbflow::cloud {

std::string ImdsTokens::issue(const std::string& instance_id, int64_t ttl_s, int64_t now) {
  std::string token = random_hex(56);
  std::lock_guard lock(mu_);
  // Drop expired tokens now and then so the map stays small.
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    it = it->second.expires <= now ? tokens_.erase(it) : std::next(it);
  }
  tokens_[token] = Entry{instance_id, now + ttl_s};
  return token;
}

bool ImdsTokens::valid(const std::string& token, const std::string& instance_id, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = tokens_.find(token);
  return it != tokens_.end() && it->second.instance_id == instance_id && it->second.expires > now;
}

std::optional<std::string> imds_lookup(const Instance& inst, const std::string& path, const std::string& region) {
  std::string p = path;
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p == "meta-data") {
    return "hostname\niam/\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\nplacement/\ntags/";
  }
  if (p == "meta-data/instance-id") return inst.id;
  if (p == "meta-data/local-ipv4") return inst.private_ip;
  if (p == "meta-data/instance-type") return inst.instance_type;
  if (p == "meta-data/hostname" || p == "meta-data/local-hostname") return inst.private_dns_name;
  if (p == "meta-data/placement/region") return region;
  if (p == "meta-data/placement/availability-zone") return region + "a";
  if (p == "meta-data/placement") return "availability-zone\nregion";
  if (p == "meta-data/tags") return "instance";
  const std::string tags = "meta-data/tags/instance";
  if (p == tags) {
    std::string keys;
    for (const auto& [k, v] : inst.tags) keys += (keys.empty() ? "" : "\n") + k;
    return keys;
  }
  if (p.rfind(tags + "/", 0) == 0) {
    auto it = inst.tags.find(p.substr(tags.size() + 1));
    if (it != inst.tags.end()) return it->second;
  }
  return std::nullopt;
}

}  // namespace ebbflow::cloud
