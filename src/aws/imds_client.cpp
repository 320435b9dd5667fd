// IMDSv2 session tokens and GETs (see imds_client.h).
#include "aws/imds_client.h"

#include <nlohmann/json.hpp>

#include "aws/xml_util.h"

namespace ebbflow::aws {
namespace {

constexpr const char* kTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
constexpr const char* kTokenHeader = "X-aws-ec2-metadata-token";

bool truthy(const std::optional<std::string>& v) {
  if (!v) return false;
  std::string s = *v;
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "true" || s == "1";
}

}  // namespace

ImdsClient::ImdsClient(std::string endpoint, std::unique_ptr<HttpClient> http, int64_t token_ttl_s)
    : endpoint_([&] {
        while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
        return endpoint;
      }()),
      token_ttl_s_(token_ttl_s),
      http_(std::move(http)) {}

std::shared_ptr<ImdsClient> ImdsClient::from_env(const EnvLookup& env) {
  if (truthy(env("AWS_EC2_METADATA_DISABLED"))) return nullptr;
  std::string endpoint = env("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or(kDefaultEndpoint);
  HttpTimeouts t;
  t.connect = std::chrono::milliseconds(1000);
  t.total = std::chrono::milliseconds(2000);
  return std::make_shared<ImdsClient>(endpoint, std::make_unique<CurlHttpClient>(t));
}

Result<std::string> ImdsClient::token(int64_t now) {
  // Renew a minute early so a token never expires between this check and the GET.
  if (!token_.empty() && now < token_expires_ - 60) return token_;
  HttpRequest req;
  req.method = "PUT";
  req.url = endpoint_ + "/latest/api/token";
  req.headers.emplace_back(kTtlHeader, std::to_string(token_ttl_s_));
  auto resp = http_->send(req);
  if (!resp.ok()) return resp.error();
  if (resp->status != 200 || resp->body.empty()) {
    return make_error(resp->status >= 500 ? ErrorKind::kRetry : ErrorKind::kGiveUp, "ImdsTokenRefused",
                      "IMDS at " + endpoint_ + " answered the token PUT with HTTP " + std::to_string(resp->status));
  }
  token_ = resp->body;
  token_expires_ = now + token_ttl_s_;
  return token_;
}

Result<std::string> ImdsClient::get(const std::string& path, int64_t now) {
  std::lock_guard lock(mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto tok = token(now);
    if (!tok.ok()) return tok.error();
    HttpRequest req;
    req.method = "GET";
    req.url = endpoint_ + "/latest/" + path;
    req.headers.emplace_back(kTokenHeader, *tok);
    auto resp = http_->send(req);
    if (!resp.ok()) return resp.error();
    if (resp->status == 200) return resp->body;
    if (resp->status == 401 && attempt == 0) {
      token_.clear();  // the service no longer knows our token: ask for a new one, once
      continue;
    }
    ErrorKind kind = resp->status == 404 ? ErrorKind::kNotFound
                     : resp->status >= 500 ? ErrorKind::kRetry
                                           : ErrorKind::kGiveUp;
    return make_error(kind, "ImdsHttp" + std::to_string(resp->status),
                      "IMDS GET latest/" + path + " at " + endpoint_ + ": HTTP " + std::to_string(resp->status));
  }
  return make_error(ErrorKind::kGiveUp, "ImdsHttp401", "IMDS refused a fresh token for latest/" + path);
}

Result<TimedCredentials> parse_imds_credentials(const std::string& text, const std::string& role) {
  // The body holds the secret: no part of it goes into an error message.
  const std::string where = "IMDS credentials of role '" + role + "'";
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(ErrorKind::kRetry, "MalformedResponse", where + ": not a JSON object");
  if (j.contains("Code") && j["Code"].is_string() && j["Code"] != "Success")
    return make_error(ErrorKind::kGiveUp, "ImdsCredentialsError", where + ": Code " + j["Code"].get<std::string>());
  auto str = [&](const char* key) -> std::string {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  TimedCredentials t;
  t.credentials.access_key_id = str("AccessKeyId");
  t.credentials.secret_access_key = str("SecretAccessKey");
  t.credentials.session_token = str("Token");
  t.source = "imds role " + role;
  for (const char* key : {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}) {
    if (str(key).empty()) return make_error(ErrorKind::kRetry, "MalformedResponse", where + ": no " + key);
  }
  auto exp = xml::parse_iso8601(str("Expiration"));
  if (!exp) return make_error(ErrorKind::kRetry, "MalformedResponse", where + ": Expiration is not an ISO 8601 time");
  t.expiration = *exp;
  return t;
}

}  // namespace ebbflow::aws
