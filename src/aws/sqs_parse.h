// Reply parsing and checksums shared by the SQS and DynamoDB JSON clients (sqs_parse.cpp):
// kept apart from the clients so tests and fuzzers can feed them bodies directly.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/sqs.h"
#include "util/result.h"

namespace ebbflow::aws {

// Lower-case hex MD5 (SQS's MD5OfBody / MD5OfMessageBody).
std::string md5_hex(const std::string& data);

// A 2xx JSON 1.0 reply body as an object ("" counts as {}); kRetry MalformedResponse otherwise.
Result<nlohmann::json> parse_json_reply(const std::string& body, const std::string& what);

// The "Failed" entries of a DeleteMessageBatch reply.
Result<std::vector<BatchEntryFailure>> parse_batch_failures(const nlohmann::json& reply);

}  // namespace ebbflow::aws
