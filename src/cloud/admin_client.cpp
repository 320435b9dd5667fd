#include "cloud/admin_client.h"

#include <chrono>

#include "aws/http.h"
#include "aws/sigv4.h"
#include "cloud/state_files.h"

namespace ebbflow::cloud {

Result<nlohmann::json> admin_call(const std::string& state_dir, const std::string& method, const std::string& action,
                                  const nlohmann::json& body) {
  auto endpoint = read_endpoint(state_dir);
  if (!endpoint.ok()) return endpoint.error();
  auto creds = load_credentials(state_dir, false, "");
  if (!creds.ok()) return creds.error();
  std::string host = endpoint->substr(endpoint->find("://") + 3);

  aws::SignableRequest req;
  req.method = method;
  req.path = "/_ebbflow/" + action;
  req.headers = {{"host", host}, {"content-type", "application/json"}};
  req.body = method == "GET" ? "" : body.dump();
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  aws::sign(req, creds->credentials, aws::SigningScope{creds->region, "ebbflow"}, aws::amz_date(now));

  aws::HttpRequest http;
  http.method = method;
  http.url = *endpoint + req.path;
  http.headers = req.headers;
  http.body = req.body;
  aws::CurlHttpClient client;
  auto res = client.send(http);
  if (!res.ok()) return res.error();
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded()) {
    return make_error(ErrorKind::kRetry, "MalformedResponse",
                      "HTTP " + std::to_string(res->status) + " with a non-JSON body from " + http.url);
  }
  if (res->status != 200) {
    std::string code = j.contains("error") ? j["error"].value("code", "Error") : "Error";
    std::string message = j.contains("error") ? j["error"].value("message", "") : res->body;
    ErrorKind kind = res->status == 404 ? ErrorKind::kNotFound : ErrorKind::kGiveUp;
    return make_error(kind, code, message);
  }
  return j;
}

}  // namespace ebbflow::cloud
