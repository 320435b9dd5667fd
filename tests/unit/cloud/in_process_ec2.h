// An aws::HttpClient that hands each request straight to a LocalCloud in this process (no
// socket, no signature check): Ec2Client talks to the local cloud's EC2 actions as it would over
// HTTP, at a `now` the test controls.
#pragma once

#include <functional>
#include <string>

#include "aws/http.h"
#include "cloud/local_cloud.h"
#include "cloud/query_params.h"

namespace ebbflow::cloud::testing {

class InProcessEc2Http : public aws::HttpClient {
 public:
  InProcessEc2Http(LocalCloud& cloud, std::function<int64_t()> now) : cloud_(cloud), now_(std::move(now)) {}
  Result<aws::HttpResponse> send(const aws::HttpRequest& req) override {
    ++requests_;
    last_body_ = req.body;
    Ec2Reply r = cloud_.handle(QueryParams::parse(req.body), now_(), "req-" + std::to_string(requests_));
    return aws::HttpResponse{r.http_status, {{"content-type", "text/xml;charset=UTF-8"}}, r.body};
  }
  int requests() const { return requests_; }
  const std::string& last_body() const { return last_body_; }

 private:
  LocalCloud& cloud_;
  std::function<int64_t()> now_;
  int requests_ = 0;
  std::string last_body_;
};

}  // namespace ebbflow::cloud::testing
