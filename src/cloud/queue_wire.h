// Wire-level helpers of the local cloud's SQS (QueueService): SQS error replies (__type plus the
// x-amzn-query-error code), typed request members with SQS's validation messages, MD5 and ids,
// and the receipt-handle codec. A handle is base64 of "ebbflow-rh1\n<queue>\n<message id>\n
// <nonce>"; the nonce changes on every receive, which is what makes older handles stale.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloud/json_reply.h"
#include "cloud/queue_store.h"
#include "util/result.h"

namespace ebbflow::cloud::sqs_wire {

// An SQS client error (kInvalidInput) with SQS's code, for to_reply().
Error sqs_err(const std::string& code, const std::string& message);
// HTTP 400 {"__type": "com.amazonaws.sqs#<code>"} + x-amzn-query-error; kInternal -> 500.
JsonReply to_reply(const Error& e);

std::string md5_hex(const std::string& data);
std::string new_uuid();
std::string iso_time_ms(int64_t ms);  // "2026-09-21T14:13:20.000Z"
bool all_digits(const std::string& s);  // 1-11 decimal digits
bool valid_name(const std::string& s, size_t max_len);  // [A-Za-z0-9_-]{1,max_len}

// Request members: MissingParameter / InvalidParameterValue as SQS words them.
Result<std::string> string_param(const nlohmann::json& req, const char* name, bool required = true);
Result<int64_t> int_param(const nlohmann::json& req, const char* name, int64_t lo, int64_t hi, int64_t fallback);
Result<std::vector<std::string>> string_list(const nlohmann::json& req, const char* name);

struct Handle {
  std::string queue, message_id, nonce;
};
std::string encode_handle(const std::string& queue, const QueuedMessage& m);
std::optional<Handle> decode_handle(const std::string& text);  // nullopt: malformed
Error invalid_handle(const std::string& handle);                // ReceiptHandleIsInvalid

}  // namespace ebbflow::cloud::sqs_wire
