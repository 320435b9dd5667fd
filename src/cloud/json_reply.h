// The reply of one AWS JSON 1.0 call in the local cloud (SQS, DynamoDB): HTTP status, JSON body
// and extra headers. Errors follow the real services: HTTP 400 (500 for internal faults), body
// {"__type": "<namespace>#<Code>", "message": "..."}, and for SQS the x-amzn-query-error header
// that lets Query-era clients see the old code ("AWS.SimpleQueueService.NonExistentQueue;Sender").
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ebbflow::cloud {

struct JsonReply {
  int http_status = 200;
  nlohmann::json body = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> headers;
};

// `type` is the full __type ("com.amazonaws.sqs#QueueDoesNotExist"); `query_error` (may be
// empty) the x-amzn-query-error value.
inline JsonReply json_error_reply(const std::string& type, const std::string& message,
                                  const std::string& query_error = "", int http_status = 400) {
  JsonReply r;
  r.http_status = http_status;
  r.body = {{"__type", type}, {"message", message}};
  if (!query_error.empty()) r.headers.emplace_back("x-amzn-query-error", query_error);
  return r;
}

}  // namespace ebbflow::cloud
