// The credential providers and the region chain (see credentials.h). The shared-file parser is
// in profile_file.cpp.
#include "aws/credentials.h"

#include <chrono>
#include <cstdlib>
#include <sstream>

#include "aws/imds_client.h"

namespace ebbflow::aws {
namespace {

// The key id's last four characters (AWS consoles show the same); nothing of a short one.
std::string last4(const std::string& s) { return s.size() <= 8 ? "" : s.substr(s.size() - 4); }

std::string value_of(const std::vector<std::pair<std::string, std::string>>& kv, const std::string& key) {
  for (const auto& [k, v] : kv)
    if (k == key) return v;
  return "";
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

std::string redacted(const Credentials& c) {
  std::string out = c.access_key_id.empty() ? "<no key id>" : "****" + last4(c.access_key_id);
  out += c.secret_access_key.empty() ? " (no secret" : " (secret ****";
  out += c.session_token.empty() ? ")" : ", session token ****)";
  return out;
}

std::ostream& operator<<(std::ostream& os, const Credentials& c) { return os << redacted(c); }

Result<TimedCredentials> EnvironmentCredentialsProvider::load(int64_t) {
  auto id = env_("AWS_ACCESS_KEY_ID");
  auto secret = env_("AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) return make_error(ErrorKind::kNotFound, "NoCredentials", "AWS_ACCESS_KEY_ID is not set");
  if (!id || !secret) {
    return make_error(ErrorKind::kInvalidInput, "PartialCredentials",
                      std::string(id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not set but " +
                          (id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is");
  }
  TimedCredentials t;
  t.credentials = {*id, *secret, env_("AWS_SESSION_TOKEN").value_or("")};
  t.source = "environment";
  return t;
}

Result<TimedCredentials> ProfileCredentialsProvider::load(int64_t) {
  SharedFilePaths paths = shared_file_paths(env_);
  auto kv = read_profile(paths);
  if (!kv.ok()) {
    // A profile named in AWS_PROFILE must exist (as in the SDKs); the default one may not.
    if (kv.error().kind == ErrorKind::kNotFound && env_("AWS_PROFILE"))
      return make_error(ErrorKind::kInvalidInput, "ProfileNotFound", kv.error().message + " (AWS_PROFILE)");
    return kv.error();
  }
  TimedCredentials t;
  t.credentials.access_key_id = value_of(*kv, "aws_access_key_id");
  t.credentials.secret_access_key = value_of(*kv, "aws_secret_access_key");
  t.credentials.session_token = value_of(*kv, "aws_session_token");
  t.source = "profile " + paths.profile;
  const std::string where = "profile '" + paths.profile + "' (" + paths.credentials_file + ", " + paths.config_file + ")";
  if (t.credentials.access_key_id.empty() && t.credentials.secret_access_key.empty()) {
    // role_arn, sso_*, credential_process profiles are not supported: say so rather than
    // silently falling through to IMDS with a surprising identity.
    std::string other = !value_of(*kv, "role_arn").empty()            ? " (role_arn profiles are not supported)"
                        : !value_of(*kv, "credential_process").empty() ? " (credential_process is not supported)"
                                                                       : "";
    return make_error(ErrorKind::kNotFound, "NoCredentials", where + " has no aws_access_key_id" + other);
  }
  if (t.credentials.access_key_id.empty() || t.credentials.secret_access_key.empty()) {
    return make_error(ErrorKind::kInvalidInput, "PartialCredentials",
                      where + " has " + (t.credentials.access_key_id.empty() ? "aws_secret_access_key" : "aws_access_key_id") +
                          " but not " + (t.credentials.access_key_id.empty() ? "aws_access_key_id" : "aws_secret_access_key"));
  }
  return t;
}

Result<TimedCredentials> ImdsCredentialsProvider::load(int64_t now) {
  auto roles = imds_->get("meta-data/iam/security-credentials/", now);
  if (!roles.ok()) {
    if (roles.error().kind == ErrorKind::kNotFound)
      return make_error(ErrorKind::kNotFound, "NoCredentials", "the instance has no IAM role (instance profile)");
    return roles.error();
  }
  std::string role = roles->substr(0, roles->find('\n'));
  while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
  if (role.empty()) return make_error(ErrorKind::kNotFound, "NoCredentials", "the instance has no IAM role");
  auto body = imds_->get("meta-data/iam/security-credentials/" + role, now);
  if (!body.ok()) return body.error();
  return parse_imds_credentials(*body, role);
}

Result<TimedCredentials> ChainCredentialsProvider::load(int64_t now) {
  std::string why;
  bool unreachable = false;
  for (const auto& p : providers_) {
    auto r = p->load(now);
    if (r.ok()) return r;
    if (r.error().kind != ErrorKind::kNotFound && r.error().kind != ErrorKind::kUnavailable &&
        r.error().kind != ErrorKind::kRetry)
      return r.error();  // misconfigured (partial keys, unreadable file): say so, do not guess
    unreachable = unreachable || r.error().kind != ErrorKind::kNotFound;
    why += (why.empty() ? "" : "; ") + r.error().message;
  }
  return make_error(unreachable ? ErrorKind::kUnavailable : ErrorKind::kGiveUp, "NoCredentials",
                    "no AWS credentials found: " + why);
}

void ChainCredentialsProvider::invalidate() {
  for (const auto& p : providers_) p->invalidate();
}

CachingCredentialsProvider::CachingCredentialsProvider(std::shared_ptr<CredentialsProvider> inner,
                                                       std::function<int64_t()> clock, int64_t refresh_margin_s)
    : inner_(std::move(inner)),
      clock_(clock ? std::move(clock)
                   : std::function<int64_t()>([] {
                       return std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                           .count();
                     })),
      refresh_margin_s_(refresh_margin_s) {}

Result<TimedCredentials> CachingCredentialsProvider::load(int64_t now) {
  std::lock_guard lock(mu_);
  auto fresh = [&](const TimedCredentials& t) { return t.expiration == 0 || now < t.expiration - refresh_margin_s_; };
  const bool usable = cached_ && (cached_->expiration == 0 || now < cached_->expiration);
  if (cached_ && (fresh(*cached_) || (usable && now < not_before_))) return *cached_;
  ++loads_;
  auto r = inner_->load(now);
  if (r.ok()) {
    cached_ = *r;
    // Already inside the margin (short-lived credentials, or the source has not rotated them
    // yet): ask again only after a pause, not on every request.
    if (!fresh(*r)) not_before_ = now + kMinRefreshIntervalS;
    return r;
  }
  // Advisory refresh failed: the cached credentials still work until they expire.
  if (usable) {
    not_before_ = now + kMinRefreshIntervalS;
    return *cached_;
  }
  return r.error();
}

void CachingCredentialsProvider::invalidate() {
  std::lock_guard lock(mu_);
  cached_.reset();
  not_before_ = 0;
  inner_->invalidate();
}

int CachingCredentialsProvider::loads() const {
  std::lock_guard lock(mu_);
  return loads_;
}

std::shared_ptr<CachingCredentialsProvider> default_credentials_chain(const EnvLookup& env) {
  std::vector<std::shared_ptr<CredentialsProvider>> chain;
  chain.push_back(std::make_shared<EnvironmentCredentialsProvider>(env));
  chain.push_back(std::make_shared<ProfileCredentialsProvider>(env));
  if (auto imds = ImdsClient::from_env(env)) chain.push_back(std::make_shared<ImdsCredentialsProvider>(imds));
  return std::make_shared<CachingCredentialsProvider>(std::make_shared<ChainCredentialsProvider>(std::move(chain)));
}

std::shared_ptr<CredentialsProvider> shared_default_credentials_chain() {
  static std::shared_ptr<CredentialsProvider> chain = default_credentials_chain(process_env());  // thread-safe init
  return chain;
}

Result<std::string> resolve_region(const EnvLookup& env, int64_t now) {
  if (auto r = env("AWS_REGION")) return *r;
  if (auto r = env("AWS_DEFAULT_REGION")) return *r;
  auto kv = read_profile(shared_file_paths(env));
  if (kv.ok()) {
    std::string r = value_of(*kv, "region");
    if (!r.empty()) return r;
  } else if (kv.error().kind != ErrorKind::kNotFound) {
    return kv.error();
  }
  if (auto imds = ImdsClient::from_env(env)) {
    if (now == 0)
      now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto r = imds->get("meta-data/placement/region", now);
    if (r.ok() && !r->empty()) return *r;
  }
  return make_error(ErrorKind::kNotFound, "NoRegion",
                    "no AWS region: set AWS_REGION, a profile 'region', or run on EC2 (IMDS placement/region)");
}

}  // namespace ebbflow::aws
