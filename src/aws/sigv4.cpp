// SigV4 signing and verification. The canonicalisation follows botocore (SigV4Auth) so that a
// request signed here verifies at AWS, and a request signed by the AWS CLI verifies at
// `ebbflow cloud serve`.
#include "aws/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <string_view>

namespace ebbflow::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// botocore never signs these: proxies and HTTP stacks add, drop or rewrite them.
constexpr std::string_view kUnsignedHeaders[] = {
    "connection", "expect",   "keep-alive",        "proxy-authenticate", "proxy-authorization", "te",
    "trailer",    "transfer-encoding", "upgrade", "user-agent",         "x-amzn-trace-id"};

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

// Trims and collapses runs of whitespace to one space (botocore: ' '.join(value.split())).
std::string trim_all(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes only ('+' stays '+': query strings signed by AWS SDKs encode spaces as %20).
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// RFC 3986 dot-segment removal, plus collapsing empty segments ("//"), as AWS services expect.
std::string normalize(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    start = end + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i) result.push_back('/');
    result.append(out[i]);
  }
  if (path.back() == '/' && !out.empty()) result.push_back('/');
  return result;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view key = pair.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      pairs.emplace_back(uri_encode(percent_decode(key)), uri_encode(percent_decode(value)));
    }
    start = end + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out.push_back(sep);
    out += s;
  }
  return out;
}

std::string credential_scope(const std::string& amz_date, const SigningScope& scope) {
  return amz_date.substr(0, 8) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

const std::string* find_header(const SignableRequest& req, std::string_view lower_name) {
  for (const auto& [name, value] : req.headers)
    if (lower(name) == lower_name) return &value;
  return nullptr;
}

void erase_header(SignableRequest& req, std::string_view lower_name) {
  std::erase_if(req.headers, [&](const auto& h) { return lower(h.first) == lower_name; });
}

Error auth_error(std::string code, std::string message) {
  return make_error(ErrorKind::kGiveUp, std::move(code), std::move(message));
}

// Parses "YYYYMMDDTHHMMSSZ" to Unix seconds; nullopt when malformed.
std::optional<int64_t> parse_amz_date(const std::string& s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(s.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(s.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(s.substr(6, 2));
  tm.tm_hour = std::stoi(s.substr(9, 2));
  tm.tm_min = std::stoi(s.substr(11, 2));
  tm.tm_sec = std::stoi(s.substr(13, 2));
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

std::string uri_encode(const std::string& s, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    if (is_unreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string to_hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(std::string(reinterpret_cast<char*>(md), len));
}

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string canonical_request(const SignableRequest& req, const std::vector<std::string>& signed_headers,
                              bool normalize_path) {
  std::vector<std::string> names = signed_headers;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  std::string out = req.method;
  out.push_back('\n');
  out += uri_encode(normalize_path ? normalize(req.path) : (req.path.empty() ? "/" : req.path), false);
  out.push_back('\n');
  out += canonical_query(req.query);
  out.push_back('\n');
  for (const auto& name : names) {
    // Repeated headers keep their order of appearance, joined by ','.
    std::string joined;
    bool first = true;
    for (const auto& [n, v] : req.headers) {
      if (lower(n) != name) continue;
      if (!first) joined.push_back(',');
      joined += trim_all(v);
      first = false;
    }
    out += name;
    out.push_back(':');
    out += joined;
    out.push_back('\n');
  }
  out.push_back('\n');
  out += join(names, ';');
  out.push_back('\n');
  out += sha256_hex(req.body);
  return out;
}

std::string string_to_sign(const std::string& amz_date, const SigningScope& scope,
                           const std::string& canonical_request) {
  std::string out(kAlgorithm);
  out += "\n" + amz_date + "\n" + credential_scope(amz_date, scope) + "\n" + sha256_hex(canonical_request);
  return out;
}

std::string signature(const std::string& secret, const std::string& amz_date, const SigningScope& scope,
                      const std::string& string_to_sign) {
  std::string key = hmac_sha256("AWS4" + secret, amz_date.substr(0, 8));
  key = hmac_sha256(key, scope.region);
  key = hmac_sha256(key, scope.service);
  key = hmac_sha256(key, "aws4_request");
  return to_hex(hmac_sha256(key, string_to_sign));
}

void sign(SignableRequest& req, const Credentials& creds, const SigningScope& scope, const std::string& date,
          bool add_content_sha256) {
  // A retried request is signed again: drop what the previous signature added.
  for (std::string_view h : {"authorization", "x-amz-date", "x-amz-security-token"}) erase_header(req, h);
  if (add_content_sha256) erase_header(req, "x-amz-content-sha256");
  req.headers.emplace_back("X-Amz-Date", date);
  if (!creds.session_token.empty()) req.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  if (add_content_sha256) req.headers.emplace_back("X-Amz-Content-Sha256", sha256_hex(req.body));

  std::vector<std::string> names;
  for (const auto& h : req.headers) {
    std::string name = lower(h.first);
    if (std::find(std::begin(kUnsignedHeaders), std::end(kUnsignedHeaders), name) == std::end(kUnsignedHeaders))
      names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  std::string sts = string_to_sign(date, scope, canonical_request(req, names));
  std::string auth(kAlgorithm);
  auth += " Credential=" + creds.access_key_id + "/" + credential_scope(date, scope) +
          ", SignedHeaders=" + join(names, ';') + ", Signature=" + signature(creds.secret_access_key, date, scope, sts);
  req.headers.emplace_back("Authorization", std::move(auth));
}

std::string amz_date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

namespace {
constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
}  // namespace

std::string http_date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kWeekdays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> parse_http_date(std::string_view s) {
  // "Sat, 05 Dec 2026 07:40:00 GMT": 29 characters at fixed places.
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  auto number = [&](size_t at, size_t len) -> std::optional<int> {
    int v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto day = number(5, 2), year = number(12, 4), hour = number(17, 2), minute = number(20, 2), second = number(23, 2);
  if (!day || !year || !hour || !minute || !second) return std::nullopt;
  int month = -1;
  for (int m = 0; m < 12; ++m)
    if (s.substr(8, 3) == kMonths[m]) month = m;
  if (month < 0 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  return static_cast<int64_t>(timegm(&tm));
}

Result<VerifiedCaller> verify(const SignableRequest& req,
                              const std::function<std::optional<std::string>(const std::string&)>& secret_for,
                              int64_t now, int64_t max_skew_seconds) {
  const std::string* auth = find_header(req, "authorization");
  if (auth == nullptr)
    return auth_error("MissingAuthenticationToken", "Request is missing Authentication Token (no Authorization header)");
  std::string_view a = *auth;
  if (a.substr(0, kAlgorithm.size()) != kAlgorithm || a.size() == kAlgorithm.size() || a[kAlgorithm.size()] != ' ')
    return auth_error("IncompleteSignature", "Authorization header does not start with AWS4-HMAC-SHA256");
  a.remove_prefix(kAlgorithm.size() + 1);

  std::string credential, signed_headers, sig;
  size_t start = 0;
  while (start < a.size()) {
    size_t end = a.find(',', start);
    if (end == std::string_view::npos) end = a.size();
    std::string part = trim_all(a.substr(start, end - start));
    size_t eq = part.find('=');
    std::string key = part.substr(0, eq), value = eq == std::string::npos ? "" : part.substr(eq + 1);
    if (key == "Credential") credential = value;
    else if (key == "SignedHeaders") signed_headers = value;
    else if (key == "Signature") sig = value;
    start = end + 1;
  }
  if (credential.empty() || signed_headers.empty() || sig.empty())
    return auth_error("IncompleteSignature",
                      "Authorization header requires Credential, SignedHeaders and Signature: " + *auth);

  std::vector<std::string> cred_parts;
  for (size_t s = 0;;) {
    size_t e = credential.find('/', s);
    cred_parts.push_back(credential.substr(s, e == std::string::npos ? std::string::npos : e - s));
    if (e == std::string::npos) break;
    s = e + 1;
  }
  if (cred_parts.size() != 5 || cred_parts[4] != "aws4_request" || cred_parts[0].empty())
    return auth_error("IncompleteSignature",
                      "Credential must be AKID/YYYYMMDD/region/service/aws4_request, got: " + credential);
  VerifiedCaller caller{cred_parts[0], SigningScope{cred_parts[2], cred_parts[3]}};

  const std::string* date_header = find_header(req, "x-amz-date");
  if (date_header == nullptr) return auth_error("IncompleteSignature", "Request is missing the X-Amz-Date header");
  std::string date = trim_all(*date_header);
  std::optional<int64_t> when = parse_amz_date(date);
  if (!when) return auth_error("IncompleteSignature", "X-Amz-Date is not YYYYMMDDTHHMMSSZ: " + date);
  if (*when > now + max_skew_seconds || *when < now - max_skew_seconds)
    return auth_error("RequestExpired", "Request timestamp " + date + " is more than " +
                                            std::to_string(max_skew_seconds) + " s from the server time " +
                                            amz_date(now));
  if (cred_parts[1] != date.substr(0, 8))
    return auth_error("SignatureDoesNotMatch",
                      "Credential date " + cred_parts[1] + " does not match X-Amz-Date " + date);

  std::optional<std::string> secret = secret_for(caller.access_key_id);
  if (!secret)
    return auth_error(caller.scope.service == "ec2" ? "AuthFailure" : "InvalidClientTokenId",
                      "The security token included in the request is invalid (unknown access key " +
                          caller.access_key_id + ")");

  std::vector<std::string> names;
  for (size_t s = 0;;) {
    size_t e = signed_headers.find(';', s);
    names.push_back(signed_headers.substr(s, e == std::string::npos ? std::string::npos : e - s));
    if (e == std::string::npos) break;
    s = e + 1;
  }
  if (std::find(names.begin(), names.end(), "host") == names.end())
    return auth_error("SignatureDoesNotMatch", "SignedHeaders must include host: " + signed_headers);
  for (const auto& n : names)
    if (find_header(req, n) == nullptr)
      return auth_error("SignatureDoesNotMatch", "Signed header '" + n + "' is missing from the request");

  std::string sts = string_to_sign(date, caller.scope, canonical_request(req, names));
  std::string expected = signature(*secret, date, caller.scope, sts);
  if (expected.size() != sig.size() || CRYPTO_memcmp(expected.data(), sig.data(), sig.size()) != 0)
    return auth_error("SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you provided");
  return caller;
}

}  // namespace ebbflow::aws
