// FakeHttpClient: records every request and answers from a script of canned replies (or
// transport errors). Shared by the AWS client tests.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "aws/http.h"

namespace ebbflow::aws::testing {

struct FakeHttpState {
  std::vector<HttpRequest> requests;
  std::deque<Result<HttpResponse>> replies;  // consumed in order; empty -> 500
};

class FakeHttpClient : public HttpClient {
 public:
  explicit FakeHttpClient(std::shared_ptr<FakeHttpState> state) : state_(std::move(state)) {}
  Result<HttpResponse> send(const HttpRequest& req) override {
    state_->requests.push_back(req);
    if (state_->replies.empty()) return HttpResponse{500, {}, "<Response>fake: no reply scripted</Response>"};
    Result<HttpResponse> r = std::move(state_->replies.front());
    state_->replies.pop_front();
    return r;
  }

 private:
  std::shared_ptr<FakeHttpState> state_;
};

inline HttpResponse reply(int status, std::string body) { return HttpResponse{status, {}, std::move(body)}; }

inline std::string header_value(const HttpRequest& req, const std::string& name) {
  for (const auto& [n, v] : req.headers)
    if (n == name) return v;
  return "<absent>";
}

}  // namespace ebbflow::aws::testing
