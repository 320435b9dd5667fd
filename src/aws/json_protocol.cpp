#include "aws/json_protocol.h"

#include <nlohmann/json.hpp>

#include "aws/aws_client.h"

namespace ebbflow::aws {

Error parse_json_error(const HttpResponse& resp) {
  std::string code, message;
  auto body = nlohmann::json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    if (body.contains("__type") && body["__type"].is_string()) code = body["__type"].get<std::string>();
    for (const char* key : {"message", "Message"})
      if (body.contains(key) && body[key].is_string()) message = body[key].get<std::string>();
  }
  for (const auto& [name, value] : resp.headers)
    if (name == "x-amzn-query-error") code = value.substr(0, value.find(';'));
  if (size_t hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (code.empty()) {
    code = "Http" + std::to_string(resp.status);
    message = "HTTP " + std::to_string(resp.status) + " without a JSON error document: " + resp.body.substr(0, 200);
  }
  message = message_or_stand_in(std::move(message), resp.status);  // "__type" without "message"

  ErrorKind kind;
  if (is_throttling_code(code)) {
    kind = ErrorKind::kBackOff;
  } else if (resp.status >= 500 || is_transient_code(code)) {
    kind = ErrorKind::kRetry;
  } else if (code == "ResourceNotFoundException" || code == "QueueDoesNotExist" ||
             code.find("NotFound") != std::string::npos || code.find("NonExistent") != std::string::npos) {
    kind = ErrorKind::kNotFound;
  } else {
    kind = ErrorKind::kGiveUp;
  }
  return make_error(kind, std::move(code), std::move(message));
}

}  // namespace ebbflow::aws
