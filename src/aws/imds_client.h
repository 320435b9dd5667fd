// A client for the EC2 instance metadata service, IMDSv2 only: PUT latest/api/token with
// X-aws-ec2-metadata-token-ttl-seconds, then GETs carrying X-aws-ec2-metadata-token. The token
// is cached until a minute before its TTL runs out, and fetched again once if a GET is refused
// with 401 (the token expired early, or the service restarted). No IMDSv1 fallback: launch
// templates should require tokens (HttpTokens=required) anyway.
//
// The endpoint is AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254/; the local cloud
// gives each instance http://127.0.0.1:PORT/imds/<id>/. Thread-safe (one request at a time).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "aws/credentials.h"
#include "aws/http.h"
#include "util/result.h"

namespace ebbflow::aws {

class ImdsClient {
 public:
  static constexpr int64_t kTokenTtlS = 21600;
  static constexpr const char* kDefaultEndpoint = "http://169.254.169.254/";

  ImdsClient(std::string endpoint, std::unique_ptr<HttpClient> http, int64_t token_ttl_s = kTokenTtlS);

  // The client the environment asks for, or nullptr when AWS_EC2_METADATA_DISABLED=true.
  // Short timeouts (1 s connect, 2 s total), as the SDKs use: off EC2 nothing answers.
  static std::shared_ptr<ImdsClient> from_env(const EnvLookup& env);

  // GET latest/<path>, e.g. "meta-data/placement/region". kNotFound for a 404; kUnavailable
  // when the service cannot be reached; kGiveUp for other refusals.
  Result<std::string> get(const std::string& path, int64_t now);

  const std::string& endpoint() const { return endpoint_; }

 private:
  Result<std::string> token(int64_t now);  // mu_ held

  const std::string endpoint_;  // no trailing slash
  const int64_t token_ttl_s_;
  std::mutex mu_;  // guards http_ (one request at a time), token_ and token_expires_
  std::unique_ptr<HttpClient> http_;
  std::string token_;
  int64_t token_expires_ = 0;
};

// Parses the JSON of meta-data/iam/security-credentials/<role>:
// {"Code": "Success", "AccessKeyId", "SecretAccessKey", "Token", "Expiration": ISO 8601}.
Result<TimedCredentials> parse_imds_credentials(const std::string& json, const std::string& role);

}  // namespace ebbflow::aws
