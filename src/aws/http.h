// The HTTP port of the AWS client. CurlHttpClient is the real one (libcurl); tests may wrap it
// to inject faults, or replace it with a fake that returns canned responses.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "util/result.h"

namespace ebbflow::aws {

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // "http://127.0.0.1:4566/" or "https://ec2.us-east-1.amazonaws.com/"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Failure modes: kUnavailable ("ConnectionFailed", "Timeout") when no HTTP response arrived.
  // Any HTTP status, 4xx and 5xx included, is a successful transport result.
  virtual Result<HttpResponse> send(const HttpRequest& req) = 0;
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds total{60000};
};

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(HttpTimeouts timeouts = {});
  ~CurlHttpClient() override;
  Result<HttpResponse> send(const HttpRequest& req) override;

 private:
  HttpTimeouts timeouts_;
  void* handle_;  // CURL*, reused for connection keep-alive; guarded by being single-threaded
};

}  // namespace ebbflow::aws
