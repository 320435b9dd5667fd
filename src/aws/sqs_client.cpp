// SqsClient: each SqsApi method as one AWS JSON 1.0 request (target prefix "AmazonSQS"), with
// the members botocore's JSON serializer would send for the same call (checked in
// tests/unit/aws/sqs_client_test.cpp against botocore itself).
#include <nlohmann/json.hpp>

#include "aws/json_protocol.h"
#include "aws/sqs.h"
#include "aws/sqs_parse.h"

namespace ebbflow::aws {

namespace {

using nlohmann::json;

constexpr const char* kTargetPrefix = "AmazonSQS";
constexpr size_t kMaxBatch = 10;

// SQS codes the port gives a more precise kind than parse_json_error's default.
Error parse_sqs_error(const HttpResponse& resp) {
  Error e = parse_json_error(resp);
  if (e.code == "ReceiptHandleIsInvalid" || e.code == "InvalidParameterValue" || e.code == "MissingParameter" ||
      e.code == "InvalidAttributeValue" || e.code == "InvalidAttributeName" || e.code == "InvalidMessageContents")
    e.kind = ErrorKind::kInvalidInput;
  return e;
}

}  // namespace

SqsClient::SqsClient(ClientConfig config, std::unique_ptr<HttpClient> http, AwsClientHooks hooks)
    : client_(std::make_unique<AwsClient>(std::move(config), "sqs", std::move(http), parse_sqs_error,
                                          std::move(hooks))) {}

SqsClient::~SqsClient() = default;

namespace {

Result<json> call(AwsClient& client, const std::string& operation, const json& body) {
  std::string text;
  try {
    text = body.dump();
  } catch (const json::exception& e) {  // invalid UTF-8 in a caller's string
    return make_error(ErrorKind::kInvalidInput, "InvalidUtf8", "SQS " + operation + ": " + e.what());
  }
  auto resp = client.call("POST", "/", kJson10ContentType, text, json_target(kTargetPrefix, operation));
  if (!resp.ok()) return resp.error();
  return parse_json_reply(resp->body, "SQS " + operation);
}

Result<std::string> string_member(const json& reply, const char* name, const std::string& what) {
  if (!reply.contains(name) || !reply[name].is_string())
    return make_error(ErrorKind::kRetry, "MalformedResponse", what + " reply has no " + name);
  return reply[name].get<std::string>();
}

}  // namespace

Result<std::string> SqsClient::create_queue(const std::string& name, const std::map<std::string, std::string>& attributes) {
  json body = {{"QueueName", name}};
  if (!attributes.empty()) body["Attributes"] = attributes;
  auto reply = call(*client_, "CreateQueue", body);
  if (!reply.ok()) return reply.error();
  return string_member(*reply, "QueueUrl", "SQS CreateQueue");
}

Result<std::string> SqsClient::get_queue_url(const std::string& name) {
  auto reply = call(*client_, "GetQueueUrl", {{"QueueName", name}});
  if (!reply.ok()) return reply.error();
  return string_member(*reply, "QueueUrl", "SQS GetQueueUrl");
}

Result<std::string> SqsClient::send_message(const std::string& queue_url, const std::string& body, int delay_seconds) {
  json req = {{"QueueUrl", queue_url}, {"MessageBody", body}};
  if (delay_seconds > 0) req["DelaySeconds"] = delay_seconds;
  auto reply = call(*client_, "SendMessage", req);
  if (!reply.ok()) return reply.error();
  // As botocore does: a body that arrived altered must not count as sent.
  auto md5 = string_member(*reply, "MD5OfMessageBody", "SQS SendMessage");
  if (!md5.ok()) return md5.error();
  if (*md5 != md5_hex(body))
    return make_error(ErrorKind::kRetry, "MessageChecksumMismatch",
                      "SQS SendMessage: MD5OfMessageBody " + *md5 + " does not match the body sent");
  return string_member(*reply, "MessageId", "SQS SendMessage");
}

Result<std::vector<SqsMessage>> SqsClient::receive_messages(const ReceiveRequest& req) {
  if (req.max_messages < 1 || req.max_messages > 10 || req.wait_time_s < 0 || req.wait_time_s > 20)
    return make_error(ErrorKind::kInvalidInput, "InvalidParameterValue",
                      "receive_messages: max_messages must be 1..10 and wait_time_s 0..20");
  json body = {{"QueueUrl", req.queue_url},
               {"MaxNumberOfMessages", req.max_messages},
               {"WaitTimeSeconds", req.wait_time_s},
               {"MessageSystemAttributeNames", {"ApproximateReceiveCount", "SentTimestamp"}}};
  if (req.visibility_timeout) body["VisibilityTimeout"] = *req.visibility_timeout;
  std::string text = body.dump();
  auto resp = client_->call("POST", "/", kJson10ContentType, text, json_target(kTargetPrefix, "ReceiveMessage"));
  if (!resp.ok()) return resp.error();
  return parse_receive_message(resp->body);
}

Status SqsClient::delete_message(const std::string& queue_url, const std::string& receipt_handle) {
  auto reply = call(*client_, "DeleteMessage", {{"QueueUrl", queue_url}, {"ReceiptHandle", receipt_handle}});
  if (!reply.ok()) return reply.error();
  return {};
}

Result<std::vector<BatchEntryFailure>> SqsClient::delete_message_batch(const std::string& queue_url,
                                                                       const std::vector<std::string>& receipt_handles) {
  if (receipt_handles.empty()) return std::vector<BatchEntryFailure>{};
  if (receipt_handles.size() > kMaxBatch)
    return make_error(ErrorKind::kInvalidInput, "TooManyEntriesInBatchRequest",
                      "delete_message_batch takes at most 10 handles, got " + std::to_string(receipt_handles.size()));
  json entries = json::array();
  for (size_t i = 0; i < receipt_handles.size(); ++i)
    entries.push_back({{"Id", std::to_string(i)}, {"ReceiptHandle", receipt_handles[i]}});
  auto reply = call(*client_, "DeleteMessageBatch", {{"QueueUrl", queue_url}, {"Entries", entries}});
  if (!reply.ok()) return reply.error();
  return parse_batch_failures(*reply);
}

Status SqsClient::change_message_visibility(const std::string& queue_url, const std::string& receipt_handle,
                                            int visibility_timeout_s) {
  auto reply = call(*client_, "ChangeMessageVisibility",
                    {{"QueueUrl", queue_url}, {"ReceiptHandle", receipt_handle},
                     {"VisibilityTimeout", visibility_timeout_s}});
  if (!reply.ok()) return reply.error();
  return {};
}

}  // namespace ebbflow::aws
