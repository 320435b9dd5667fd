// Where AWS credentials and the region come from, in the AWS SDKs' order, so ebbflow on an EC2
// instance (or an administrator's shell) needs no keys in cluster.json:
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   2. the shared files: AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials, section [name]) and
//      AWS_CONFIG_FILE (~/.aws/config, section [profile name], or [default]); profile from
//      AWS_PROFILE or "default"; a key set in the credentials file wins over the config file;
//   3. the instance metadata service, IMDSv2 only (imds_client.h): the instance role's temporary
//      credentials, refreshed a few minutes before they expire.
// A provider answers kNotFound when it has nothing to offer (the chain then asks the next one);
// any other error stops the chain (e.g. a profile with a key id but no secret).
// Secrets never appear in an Error message or a printed Credentials (see redacted()).
// Time is always an argument (`now`, Unix seconds); CachingCredentialsProvider also takes a
// clock so AwsClient can call it without one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "aws/sigv4.h"
#include "util/result.h"

namespace ebbflow::aws {

// The environment, injectable for tests. Returns nullopt for an unset (or empty) variable.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

// "AKIA****WXYZ (secret ****, session token ****)": the key id's last four characters only.
std::string redacted(const Credentials& c);
std::ostream& operator<<(std::ostream& os, const Credentials& c);  // prints redacted(c)

struct TimedCredentials {
  Credentials credentials;
  int64_t expiration = 0;  // Unix seconds; 0 = does not expire
  std::string source;      // "environment", "profile default (~/.aws/credentials)", "imds role ebbflow-compute"
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual Result<TimedCredentials> load(int64_t now) = 0;
  // The service said the credentials expired: forget any cached copy (no-op by default).
  virtual void invalidate() {}
};

class StaticCredentialsProvider : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials c) : creds_(std::move(c)) {}
  Result<TimedCredentials> load(int64_t) override { return TimedCredentials{creds_, 0, "static"}; }

 private:
  const Credentials creds_;
};

class EnvironmentCredentialsProvider : public CredentialsProvider {
 public:
  explicit EnvironmentCredentialsProvider(EnvLookup env) : env_(std::move(env)) {}
  Result<TimedCredentials> load(int64_t now) override;

 private:
  EnvLookup env_;
};

// The two shared files, resolved from the environment at load time.
struct SharedFilePaths {
  std::string credentials_file;
  std::string config_file;
  std::string profile;
};
SharedFilePaths shared_file_paths(const EnvLookup& env);

// key -> value of one profile, merged as the SDKs do (credentials file over config file).
// kNotFound when neither file has the profile; kInvalidInput for an unreadable section header.
Result<std::vector<std::pair<std::string, std::string>>> read_profile(const SharedFilePaths& paths);

class ProfileCredentialsProvider : public CredentialsProvider {
 public:
  explicit ProfileCredentialsProvider(EnvLookup env) : env_(std::move(env)) {}
  Result<TimedCredentials> load(int64_t now) override;

 private:
  EnvLookup env_;
};

class ImdsClient;  // imds_client.h

class ImdsCredentialsProvider : public CredentialsProvider {
 public:
  explicit ImdsCredentialsProvider(std::shared_ptr<ImdsClient> imds) : imds_(std::move(imds)) {}
  Result<TimedCredentials> load(int64_t now) override;

 private:
  std::shared_ptr<ImdsClient> imds_;
};

// Asks each provider in turn; the first that answers wins. When none does, the error lists
// why each declined (no secrets in it).
class ChainCredentialsProvider : public CredentialsProvider {
 public:
  explicit ChainCredentialsProvider(std::vector<std::shared_ptr<CredentialsProvider>> providers)
      : providers_(std::move(providers)) {}
  Result<TimedCredentials> load(int64_t now) override;
  void invalidate() override;

 private:
  std::vector<std::shared_ptr<CredentialsProvider>> providers_;
};

// Caches what `inner` returned and asks again only when the credentials are within
// `refresh_margin_s` of their expiration. If that refresh fails while the cached credentials
// are still valid, the cached ones are returned; after such a failure, or when the new ones are
// themselves inside the margin, the next attempt waits kMinRefreshIntervalS. Thread-safe.
class CachingCredentialsProvider : public CredentialsProvider {
 public:
  static constexpr int64_t kDefaultRefreshMarginS = 300;
  static constexpr int64_t kMinRefreshIntervalS = 10;
  CachingCredentialsProvider(std::shared_ptr<CredentialsProvider> inner, std::function<int64_t()> clock = {},
                             int64_t refresh_margin_s = kDefaultRefreshMarginS);
  Result<TimedCredentials> load(int64_t now) override;
  Result<TimedCredentials> get() { return load(clock_()); }  // with the clock given at construction
  void invalidate() override;
  int loads() const;  // how many times `inner` was asked (tests)

 private:
  const std::shared_ptr<CredentialsProvider> inner_;
  const std::function<int64_t()> clock_;
  const int64_t refresh_margin_s_;
  mutable std::mutex mu_;  // guards cached_, not_before_, loads_; serialises calls to inner_ (one refresh at a time)
  std::optional<TimedCredentials> cached_;
  int64_t not_before_ = 0;  // no refresh of still-valid credentials before this time
  int loads_ = 0;
};

// Environment -> shared files -> IMDS (unless AWS_EC2_METADATA_DISABLED=true), cached.
std::shared_ptr<CachingCredentialsProvider> default_credentials_chain(const EnvLookup& env = process_env());
// One process-wide default chain, so every client in a daemon shares one cache (and one IMDS
// fetch per refresh).
std::shared_ptr<CredentialsProvider> shared_default_credentials_chain();

// AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`, then IMDS placement/region (unless
// disabled). kNotFound when none has one.
Result<std::string> resolve_region(const EnvLookup& env = process_env(), int64_t now = 0);

}  // namespace ebbflow::aws
