// The AWS JSON 1.0 protocol (DynamoDB, SQS since 2023): POST "/" with
// Content-Type application/x-amz-json-1.0 and X-Amz-Target "<TargetPrefix>.<Operation>".
// This header gives the request headers and the error parser that AwsClient needs; the
// service clients (SQS, DynamoDB) build their JSON bodies themselves.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "aws/http.h"
#include "util/result.h"

namespace ebbflow::aws {

inline constexpr const char* kJson10ContentType = "application/x-amz-json-1.0";

// {"X-Amz-Target", "DynamoDB_20120810.PutItem"}
inline std::vector<std::pair<std::string, std::string>> json_target(const std::string& prefix,
                                                                   const std::string& operation) {
  return {{"X-Amz-Target", prefix + "." + operation}};
}

// Maps a JSON-protocol error reply to an Error. The code comes from "__type" (after the last
// '#', e.g. "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"), or from
// the x-amzn-query-error header SQS adds for Query-compatible codes ("AWS.SimpleQueueService.
// NonExistentQueue;Sender"). Kinds: throttling -> kBackOff; 5xx and transient -> kRetry;
// ResourceNotFoundException, QueueDoesNotExist and *NotFound* -> kNotFound; other -> kGiveUp.
Error parse_json_error(const HttpResponse& resp);

}  // namespace ebbflow::aws
