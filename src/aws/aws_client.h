// AwsClient: the protocol-independent half of every AWS client. It builds the URL, signs each
// attempt with SigV4, sends through the HttpClient port and applies the AWS SDK "standard"
// retry mode (the same rules as botocore's `retries = {"mode": "standard"}`):
//   - at most ClientConfig::max_attempts attempts in total;
//   - retry transport failures, HTTP 5xx, and the throttling / transient error codes below,
//     except a 5xx whose parsed error is kBackOff without being throttling (EC2 capacity errors);
//   - wait min(20 s, rand[0,1) * 2^(attempt-1)) before retry number `attempt` (full jitter);
//   - a per-client retry quota of 500 tokens: a retry costs 5 (10 after a timeout), a success
//     gives back the cost of its last retry (or 1 when it needed none); with too few tokens the
//     error is returned at once, so a failing service is not hammered by every caller.
// Clock skew: every reply's Date header is the service's time. When it is a minute or more from
// this host's time (plus the offset learnt so far) at receipt, the client learns the difference as
// its clock offset and signs with it from then on; a reply refusing the request's time
// (RequestExpired, RequestTimeTooSkewed, SignatureDoesNotMatch, ...; is_clock_skew_code) with
// such a Date is sent again at once, as the AWS SDKs for Java, Go and JavaScript do. A head node
// whose clock is off or steps (NTP, a resumed VM) keeps talking to the cloud; a later step back
// is learnt the same way. The offset is process-wide (as the Java SDK's SDKGlobalTime), so
// clients made afresh every loop keep it; it moves X-Amz-Date, and clustermgtd adds it to its
// `now` when it compares times the cloud reported (launch times, impairedSince).
// Credentials: ClientConfig::credentials, or (when set) ClientConfig::credentials_provider asked
// before every attempt; an expired-token reply makes it re-fetch and the request go once more.
// Protocol clients (EC2 Query, JSON 1.0 for SQS/DynamoDB, AutoScaling Query) supply the body,
// the content type and an ErrorParser that turns a non-2xx reply into an Error.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aws/client_config.h"
#include "aws/http.h"
#include "util/result.h"

namespace ebbflow::aws {

// What one call() did, reported to an observer after its last attempt (for metrics).
struct AwsCallRecord {
  std::string service;     // signing name: "ec2", "sqs", "dynamodb", "autoscaling"
  std::string action;      // "DescribeInstances" (Query "Action=") or "SendMessage" (X-Amz-Target)
  bool ok = false;         // a 2xx reply was returned
  int http_status = 0;     // of the last attempt; 0 when no HTTP response arrived
  std::string error_code;  // of the returned error ("" when ok): "RequestLimitExceeded", "Timeout", ...
  ErrorKind error_kind = ErrorKind::kInternal;  // meaningful only when !ok
  int attempts = 0;        // HTTP attempts sent (0: credentials could not be loaded)
  int throttled_attempts = 0;  // attempts answered with a throttling code
  std::chrono::milliseconds duration{0};  // the whole call, back-off waits included
  bool clock_corrected = false;  // this call learnt a new clock offset from a reply's Date
  int64_t clock_offset_seconds = 0;  // the signing offset in use after the call
};
// Called once per call(), on the calling thread, after the result is known. It must be cheap
// and thread-safe if clients on several threads share it; it must not call the client.
using AwsCallObserver = std::function<void(const AwsCallRecord&)>;

// Injection points for tests (defaults: system clock, real sleep, std::mt19937 jitter).
struct AwsClientHooks {
  std::function<int64_t()> now;                            // Unix seconds, for X-Amz-Date
  std::function<void(std::chrono::milliseconds)> sleep;    // the back-off wait
  std::function<double()> random;                          // uniform in [0, 1)
  // Optional, default off: this client's observer. When empty, the process-wide observer (if
  // one is set) is told instead, so daemons can count calls of clients built by factories.
  AwsCallObserver on_call;
};

// The process-wide call observer (default: none). Setting it is thread-safe; clients read it at
// every call, so it may be set or cleared at any time. An empty function clears it.
void set_process_call_observer(AwsCallObserver observer);
// "DescribeInstances" from an EC2/AutoScaling Query body, "SendMessage" from an X-Amz-Target of
// "AmazonSQS.SendMessage"; else "<METHOD> <path without query>".
std::string aws_action_name(const std::string& method, const std::string& path, const std::string& body,
                            const std::vector<std::pair<std::string, std::string>>& headers);

// Seconds added to the hooks' `now` when signing: the service's clock minus ours, learnt from
// replies' Date headers (0 until one is a minute or more off). Process-wide; tests may reset it.
int64_t process_clock_offset();
void set_process_clock_offset(int64_t seconds);

// Turns a non-2xx reply into an Error (code = the service's error code).
using ErrorParser = std::function<Error(const HttpResponse&)>;

// The standard-mode classification, exposed for tests and for protocol clients.
bool is_throttling_code(const std::string& code);
bool is_transient_code(const std::string& code);
// The message of an error reply, or "no message in the reply (HTTP <status>)" when it has none
// or only blanks, so that a logged error never reads "Code: " (the error parsers use it).
std::string message_or_stand_in(std::string message, int http_status);
// ExpiredToken, ExpiredTokenException, RequestExpired: with a credentials provider, the client
// invalidates it and repeats the request once with fresh credentials.
bool is_expired_credentials_code(const std::string& code);
// Codes with which AWS refuses a request signed at the wrong time (the AWS SDKs' list).
bool is_clock_skew_code(const std::string& code);

class AwsClient {
 public:
  static constexpr int kRetryQuotaMax = 500;
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutRetryCost = 10;
  static constexpr std::chrono::milliseconds kMaxBackoff{20000};
  // A reply's Date this far (or farther) from our time at receipt is clock skew.
  static constexpr int64_t kClockSkewThresholdSeconds = 60;

  // `service` is the signing name and the endpoint prefix ("ec2", "sqs", "dynamodb", ...).
  AwsClient(ClientConfig config, std::string service, std::unique_ptr<HttpClient> http, ErrorParser parse_error,
            AwsClientHooks hooks = {});

  // Sends `method path` (path may carry "?query", already percent-encoded) with retries.
  // Returns the 2xx reply, or the last attempt's error.
  Result<HttpResponse> call(const std::string& method, const std::string& path, const std::string& content_type,
                            const std::string& body,
                            const std::vector<std::pair<std::string, std::string>>& extra_headers = {});

  const std::string& endpoint() const { return endpoint_; }
  const ClientConfig& config() const { return config_; }
  int retry_quota() const { return quota_; }

 private:
  Result<HttpResponse> call_counted(const std::string& method, const std::string& path, const std::string& content_type,
                                    const std::string& body,
                                    const std::vector<std::pair<std::string, std::string>>& extra_headers,
                                    AwsCallRecord& record);
  Result<HttpResponse> attempt(const Credentials& creds, const std::string& method, const std::string& path,
                               const std::string& content_type,
                               const std::string& body,
                               const std::vector<std::pair<std::string, std::string>>& extra_headers);

  const ClientConfig config_;
  const std::string service_;
  const std::string endpoint_;  // no trailing slash
  const std::string host_;      // Host header value: "ec2.us-east-1.amazonaws.com", "127.0.0.1:4566"
  std::unique_ptr<HttpClient> http_;
  ErrorParser parse_error_;
  AwsClientHooks hooks_;
  int quota_ = kRetryQuotaMax;  // tokens left for retries; guarded by being single-threaded
};

}  // namespace ebbflow::aws
