// CurlHttpClient: one reused libcurl easy handle (keep-alive across calls), explicit timeouts,
// and no surprises from proxy variables for loopback endpoints.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "aws/http.h"

namespace ebbflow::aws {
namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// Collects "Name: value" lines; a new status line (after a redirect or "100 Continue") starts
// the list again so only the final response's headers remain.
size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string name = trim(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  headers->emplace_back(std::move(name), trim(line.substr(colon + 1)));
  return size * n;
}

}  // namespace

CurlHttpClient::CurlHttpClient(HttpTimeouts timeouts) : timeouts_(timeouts) {
  global_init_once();
  handle_ = curl_easy_init();
}

CurlHttpClient::~CurlHttpClient() { curl_easy_cleanup(static_cast<CURL*>(handle_)); }

Result<HttpResponse> CurlHttpClient::send(const HttpRequest& req) {
  CURL* curl = static_cast<CURL*>(handle_);
  if (curl == nullptr) return make_error(ErrorKind::kInternal, "CurlInit", "curl_easy_init failed");
  curl_easy_reset(curl);  // keeps the connection cache, drops the previous call's options

  HttpResponse resp;
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : req.headers)
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  // libcurl would otherwise add "Expect: 100-continue" to large POSTs and wait for it.
  headers = curl_slist_append(headers, "Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (req.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp.headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts_.connect.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts_.total.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts must not raise SIGALRM in daemons
  // An http_proxy in the environment must never capture calls to the local cloud, nor to the
  // instance metadata service (the SDKs bypass proxies for IMDS too).
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "127.0.0.1,localhost,169.254.169.254,fd00:ec2::254");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);

  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    const bool timeout = rc == CURLE_OPERATION_TIMEDOUT;
    return make_error(ErrorKind::kUnavailable, timeout ? "Timeout" : "ConnectionFailed",
                      std::string(req.method) + " " + req.url + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  resp.status = static_cast<int>(status);
  return resp;
}

}  // namespace ebbflow::aws
