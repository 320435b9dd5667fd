// Signing and standard-mode retries for every AWS protocol client (see aws_client.h).
#include "aws/aws_client.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "aws/credentials.h"
#include "aws/sigv4.h"

namespace ebbflow::aws {
namespace {

// botocore.retries.standard: _THROTTLED_ERROR_CODES / _TRANSIENT_ERROR_CODES.
constexpr const char* kThrottlingCodes[] = {
    "Throttling",           "ThrottlingException",       "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded",    "LimitExceededException", "RequestThrottled",
    "SlowDown",             "PriorRequestNotComplete",   "EC2ThrottledException"};
constexpr const char* kTransientCodes[] = {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
                                           "InternalError", "ServiceUnavailable", "Unavailable"};

// The codes the AWS SDKs (Java's ClockSkewAdjuster, Go v2, JavaScript) treat as "signed at the
// wrong time"; the Date header of the reply then tells the service's time.
constexpr const char* kClockSkewCodes[] = {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture",
                                           "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure"};

bool in(const std::string& code, const auto& list) {
  return std::any_of(std::begin(list), std::end(list), [&](const char* c) { return code == c; });
}

std::string default_endpoint(const ClientConfig& config, const std::string& service) {
  std::string e = config.endpoint.empty() ? "https://" + service + "." + config.region + ".amazonaws.com"
                                          : config.endpoint;
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

std::string host_of(const std::string& endpoint) {
  size_t start = endpoint.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::string host = endpoint.substr(start, endpoint.find('/', start) - start);
  // Like botocore, leave out a port that is the scheme's default.
  auto strip = [&](const char* scheme, const char* port) {
    std::string suffix = std::string(":") + port;
    if (endpoint.rfind(scheme, 0) == 0 && host.size() > suffix.size() &&
        host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0)
      host.resize(host.size() - suffix.size());
  };
  strip("https://", "443");
  strip("http://", "80");
  return host;
}

AwsClientHooks complete(AwsClientHooks hooks) {
  if (!hooks.now)
    hooks.now = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  if (!hooks.sleep) hooks.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!hooks.random) {
    auto gen = std::make_shared<std::mt19937_64>(std::random_device{}());
    hooks.random = [gen] { return std::uniform_real_distribution<double>(0.0, 1.0)(*gen); };
  }
  return hooks;
}

Error default_error(const HttpResponse& resp) {
  ErrorKind kind = resp.status >= 500 ? ErrorKind::kRetry
                   : resp.status == 429 ? ErrorKind::kBackOff
                   : resp.status == 404 ? ErrorKind::kNotFound
                                        : ErrorKind::kGiveUp;
  return make_error(kind, "Http" + std::to_string(resp.status), message_or_stand_in(resp.body.substr(0, 512), resp.status));
}

std::atomic<int64_t> g_clock_offset{0};  // see process_clock_offset()

std::mutex g_observer_mu;
std::shared_ptr<const AwsCallObserver> g_observer;  // guarded by g_observer_mu

std::shared_ptr<const AwsCallObserver> process_observer() {
  std::lock_guard<std::mutex> lock(g_observer_mu);
  return g_observer;
}

// The value of "Action=" in a form body (values are percent-encoded; action names never need it).
std::string form_action(const std::string& body) {
  for (size_t start = 0; start <= body.size();) {
    size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    if (body.compare(start, 7, "Action=") == 0) return body.substr(start + 7, end - start - 7);
    start = end + 1;
  }
  return "";
}

}  // namespace

void set_process_call_observer(AwsCallObserver observer) {
  auto next = observer ? std::make_shared<const AwsCallObserver>(std::move(observer)) : nullptr;
  std::lock_guard<std::mutex> lock(g_observer_mu);
  g_observer = std::move(next);
}

std::string aws_action_name(const std::string& method, const std::string& path, const std::string& body,
                            const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (name.size() != 12) continue;
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "x-amz-target") return value.substr(value.find('.') == std::string::npos ? 0 : value.find('.') + 1);
  }
  if (auto action = form_action(body); !action.empty()) return action;
  size_t q = path.find('?');
  if (q != std::string::npos)
    if (auto action = form_action(path.substr(q + 1)); !action.empty()) return action;
  return method + " " + path.substr(0, q);
}

int64_t process_clock_offset() { return g_clock_offset.load(); }
void set_process_clock_offset(int64_t seconds) { g_clock_offset.store(seconds); }

bool is_throttling_code(const std::string& code) { return in(code, kThrottlingCodes); }
bool is_expired_credentials_code(const std::string& code) {
  return code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired";
}
bool is_transient_code(const std::string& code) { return in(code, kTransientCodes); }
bool is_clock_skew_code(const std::string& code) { return in(code, kClockSkewCodes); }

std::string message_or_stand_in(std::string message, int http_status) {
  if (message.find_first_not_of(" \t\r\n") != std::string::npos) return message;
  return "no message in the reply (HTTP " + std::to_string(http_status) + ")";
}

AwsClient::AwsClient(ClientConfig config, std::string service, std::unique_ptr<HttpClient> http,
                     ErrorParser parse_error, AwsClientHooks hooks)
    : config_(std::move(config)),
      service_(std::move(service)),
      endpoint_(default_endpoint(config_, service_)),
      host_(host_of(endpoint_)),
      http_(std::move(http)),
      parse_error_(parse_error ? std::move(parse_error) : ErrorParser(default_error)),
      hooks_(complete(std::move(hooks))) {}

Result<HttpResponse> AwsClient::attempt(const Credentials& creds, const std::string& method, const std::string& path,
                                        const std::string& content_type, const std::string& body,
                                        const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  SignableRequest sreq;
  sreq.method = method;
  size_t q = path.find('?');
  sreq.path = path.substr(0, q);
  if (q != std::string::npos) sreq.query = path.substr(q + 1);
  sreq.headers.emplace_back("Host", host_);
  if (!content_type.empty()) sreq.headers.emplace_back("Content-Type", content_type);
  for (const auto& h : extra_headers) sreq.headers.push_back(h);
  sreq.body = body;
  sign(sreq, creds, {config_.region, service_}, amz_date(hooks_.now() + g_clock_offset.load()));

  HttpRequest req;
  req.method = method;
  req.url = endpoint_ + path;
  req.headers = std::move(sreq.headers);
  req.headers.emplace_back("User-Agent", "ebbflow/0.1");  // never signed (botocore does the same)
  req.body = std::move(sreq.body);
  return http_->send(req);
}

Result<HttpResponse> AwsClient::call(const std::string& method, const std::string& path,
                                     const std::string& content_type, const std::string& body,
                                     const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  std::shared_ptr<const AwsCallObserver> global;
  const AwsCallObserver* observer = hooks_.on_call ? &hooks_.on_call : nullptr;
  if (!observer && (global = process_observer())) observer = global.get();
  AwsCallRecord record;
  if (!observer) return call_counted(method, path, content_type, body, extra_headers, record);

  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> result = call_counted(method, path, content_type, body, extra_headers, record);
  record.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  record.service = service_;
  record.action = aws_action_name(method, path, body, extra_headers);
  record.ok = result.ok();
  record.clock_offset_seconds = g_clock_offset.load();
  if (!result.ok()) {
    record.error_code = result.error().code;
    record.error_kind = result.error().kind;
  }
  (*observer)(record);
  return result;
}

namespace {
// Takes the offset from the reply's Date when it is kClockSkewThresholdSeconds or more from ours
// at receipt; true when it did.
bool learn_clock(const HttpResponse& reply, int64_t received_at) {
  std::optional<int64_t> service_time;
  for (const auto& [name, value] : reply.headers)
    if (name == "date") service_time = parse_http_date(value);
  if (!service_time) return false;
  const int64_t offset = g_clock_offset.load();
  const int64_t skew = *service_time - (received_at + offset);
  if (std::llabs(skew) < AwsClient::kClockSkewThresholdSeconds) return false;
  g_clock_offset.store(offset + skew);
  return true;
}
}  // namespace

Result<HttpResponse> AwsClient::call_counted(const std::string& method, const std::string& path,
                                             const std::string& content_type, const std::string& body,
                                             const std::vector<std::pair<std::string, std::string>>& extra_headers,
                                             AwsCallRecord& record) {
  const int max_attempts = std::max(1, config_.max_attempts);
  int last_retry_cost = 0;  // botocore gives back the last retry's cost on success, else 1
  bool refreshed = false;   // credentials re-fetched once after an expired-token reply
  bool reclocked = false;   // signing time corrected once after a clock-skew reply
  for (int attempt_no = 1;; ++attempt_no) {
    Credentials creds = config_.credentials;
    if (config_.credentials_provider) {
      // Cached by the provider; only near expiry does this reach IMDS or the files.
      auto loaded = config_.credentials_provider->load(hooks_.now());
      if (!loaded.ok()) return loaded.error();
      creds = std::move(loaded->credentials);
    }
    Result<HttpResponse> sent = attempt(creds, method, path, content_type, body, extra_headers);
    ++record.attempts;
    record.http_status = sent.ok() ? sent->status : 0;
    const bool learnt = sent.ok() && learn_clock(*sent, hooks_.now());
    if (learnt) record.clock_corrected = true;
    Error error;
    int cost = kRetryCost;
    if (!sent.ok()) {
      error = sent.error();  // no HTTP response: retryable, a timeout costs more
      if (error.code == "Timeout") cost = kTimeoutRetryCost;
    } else if (sent->status >= 200 && sent->status < 300) {
      quota_ = std::min(kRetryQuotaMax, quota_ + (last_retry_cost > 0 ? last_retry_cost : 1));
      return sent;
    } else {
      error = parse_error_(*sent);
      if (is_throttling_code(error.code)) ++record.throttled_attempts;
      // Signed at a time the service refuses, and its Date says our clock is off (learn_clock
      // above has taken the offset): send again at once, without spending an attempt or quota.
      if (!reclocked && learnt && is_clock_skew_code(error.code)) {
        reclocked = true;
        --attempt_no;
        continue;
      }
      // Role credentials can expire between the cache's check and the service's: fetch new
      // ones and try again at once, without spending an attempt or retry quota.
      if (config_.credentials_provider && !refreshed && is_expired_credentials_code(error.code)) {
        refreshed = true;
        config_.credentials_provider->invalidate();
        --attempt_no;
        continue;
      }
      // A 5xx is retried unless the service said "back off" for a reason other than throttling
      // (EC2 sends InsufficientInstanceCapacity as a 500): those go straight to the caller,
      // whose slower, capacity-aware back-off handles them.
      const bool server_error = sent->status >= 500 && error.kind != ErrorKind::kBackOff;
      if (!server_error && !is_throttling_code(error.code) && !is_transient_code(error.code)) return error;
    }
    if (attempt_no >= max_attempts) {
      if (attempt_no > 1) error.message += " (after " + std::to_string(attempt_no) + " attempts)";
      return error;
    }
    if (quota_ < cost) {
      error.message += " (retry quota exhausted)";
      return error;
    }
    quota_ -= cost;
    last_retry_cost = cost;
    double seconds = hooks_.random() * std::pow(2.0, attempt_no - 1);
    auto delay = std::min(kMaxBackoff, std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0)));
    hooks_.sleep(delay);
  }
}

}  // namespace ebbflow::aws
