// AWS Signature Version 4: signing (client) and verification (the local cloud).
//
// Pure functions over a request description; no I/O and no clock (the date is an argument).
// Tested against AWS's published vectors (../shared/aws-sigv4-test-suite) and against
// botocore's signer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace ebbflow::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when not temporary credentials
};

// A request as it is signed: the path and query exactly as sent on the wire (already
// percent-encoded by the caller the way it will be sent), headers in any order.
struct SignableRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string path;                                          // "/", "/path/to/x"
  std::string query;                                         // "a=1&b=2" (no '?'), may be empty
  std::vector<std::pair<std::string, std::string>> headers;  // must include "host"
  std::string body;
};

struct SigningScope {
  std::string region;   // "us-east-1"
  std::string service;  // "ec2", "sqs", ...
};

// Intermediate artefacts, exposed for tests against the published vectors.
// `signed_headers` are lower-case names. `normalize_path` removes "." / ".." segments and empty
// segments first, as every service but S3 expects (and as `sign`/`verify` always do).
std::string canonical_request(const SignableRequest& req, const std::vector<std::string>& signed_headers,
                              bool normalize_path = true);
std::string string_to_sign(const std::string& amz_date, const SigningScope& scope,
                           const std::string& canonical_request);
std::string signature(const std::string& secret, const std::string& amz_date, const SigningScope& scope,
                      const std::string& string_to_sign);

// Signs in place: adds X-Amz-Date (amz_date = "YYYYMMDDTHHMMSSZ"), X-Amz-Security-Token (if
// any), X-Amz-Content-Sha256 only when `add_content_sha256` is set, and Authorization. Signs
// every header present (lower-cased), as botocore does.
void sign(SignableRequest& req, const Credentials& creds, const SigningScope& scope,
          const std::string& amz_date, bool add_content_sha256 = false);

// "YYYYMMDDTHHMMSSZ" for a Unix time.
std::string amz_date(int64_t unix_seconds);

// The HTTP Date header (RFC 9110 IMF-fixdate, "Sat, 05 Dec 2026 07:40:00 GMT") for a Unix time,
// and back. The parser takes only IMF-fixdate (what AWS and the local cloud send); nullopt for
// anything else. Locale-independent.
std::string http_date(int64_t unix_seconds);
std::optional<int64_t> parse_http_date(std::string_view text);

struct VerifiedCaller {
  std::string access_key_id;
  SigningScope scope;
};

// Verifies the Authorization header of a received request. `secret_for` returns the secret for
// an access key id (nullopt: unknown key). Rejects (kGiveUp with the AWS error code) a missing
// or malformed header ("IncompleteSignature", "MissingAuthenticationToken"), an unknown key
// ("InvalidClientTokenId" / "AuthFailure"), a mismatched signature ("SignatureDoesNotMatch"),
// and a request whose X-Amz-Date is more than `max_skew_seconds` from `now` ("RequestExpired").
Result<VerifiedCaller> verify(const SignableRequest& req,
                              const std::function<std::optional<std::string>(const std::string&)>& secret_for,
                              int64_t now, int64_t max_skew_seconds = 300);

// Hex helpers (lower case), exposed because the local cloud and tests use them.
std::string sha256_hex(const std::string& data);
std::string hmac_sha256(const std::string& key, const std::string& data);  // raw bytes
std::string to_hex(const std::string& bytes);

// RFC 3986 percent-encoding as AWS wants it (unreserved: A-Z a-z 0-9 - _ . ~).
std::string uri_encode(const std::string& s, bool encode_slash = true);

}  // namespace ebbflow::aws
