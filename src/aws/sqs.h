// The SQS port: the subset of Amazon SQS (AWS JSON 1.0 protocol, target prefix "AmazonSQS",
// SigV4 service "sqs") that traditional mode uses. sqswatcher receives lifecycle and
// compute-ready messages; compute nodes send their ready message.
//
// Error mapping: QueueDoesNotExist / AWS.SimpleQueueService.NonExistentQueue -> kNotFound;
// ReceiptHandleIsInvalid -> kInvalidInput; throttling -> kBackOff; 5xx -> kRetry; no response
// -> kUnavailable (see aws/json_protocol.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/aws_client.h"
#include "aws/client_config.h"
#include "aws/http.h"
#include "util/result.h"

namespace ebbflow::aws {

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  std::string md5_of_body;
  int approximate_receive_count = 0;  // attribute ApproximateReceiveCount (always requested)
  int64_t sent_timestamp_ms = 0;      // attribute SentTimestamp
};

struct ReceiveRequest {
  std::string queue_url;
  int max_messages = 10;                  // 1..10
  int wait_time_s = 0;                    // long polling, 0..20
  std::optional<int> visibility_timeout;  // absent: the queue's default
};

struct BatchEntryFailure {
  std::string id;       // the entry id the caller gave
  std::string code;
  std::string message;
  bool sender_fault = false;
};

class SqsApi {
 public:
  virtual ~SqsApi() = default;
  // Returns the queue URL. Attributes e.g. {"VisibilityTimeout": "30", "MessageRetentionPeriod": "1209600"}.
  virtual Result<std::string> create_queue(const std::string& name,
                                           const std::map<std::string, std::string>& attributes = {}) = 0;
  virtual Result<std::string> get_queue_url(const std::string& name) = 0;
  // Returns the MessageId.
  virtual Result<std::string> send_message(const std::string& queue_url, const std::string& body,
                                           int delay_seconds = 0) = 0;
  virtual Result<std::vector<SqsMessage>> receive_messages(const ReceiveRequest& req) = 0;
  virtual Status delete_message(const std::string& queue_url, const std::string& receipt_handle) = 0;
  // Up to 10 handles per call; returns the entries that failed (entry ids are "0".."9", the
  // index into `receipt_handles`).
  virtual Result<std::vector<BatchEntryFailure>> delete_message_batch(
      const std::string& queue_url, const std::vector<std::string>& receipt_handles) = 0;
  virtual Status change_message_visibility(const std::string& queue_url, const std::string& receipt_handle,
                                           int visibility_timeout_s) = 0;
};

class SqsClient : public SqsApi {
 public:
  SqsClient(ClientConfig config, std::unique_ptr<HttpClient> http, AwsClientHooks hooks = {});
  ~SqsClient() override;
  Result<std::string> create_queue(const std::string& name,
                                   const std::map<std::string, std::string>& attributes = {}) override;
  Result<std::string> get_queue_url(const std::string& name) override;
  Result<std::string> send_message(const std::string& queue_url, const std::string& body,
                                   int delay_seconds = 0) override;
  Result<std::vector<SqsMessage>> receive_messages(const ReceiveRequest& req) override;
  Status delete_message(const std::string& queue_url, const std::string& receipt_handle) override;
  Result<std::vector<BatchEntryFailure>> delete_message_batch(
      const std::string& queue_url, const std::vector<std::string>& receipt_handles) override;
  Status change_message_visibility(const std::string& queue_url, const std::string& receipt_handle,
                                   int visibility_timeout_s) override;

 private:
  std::unique_ptr<AwsClient> client_;
};

// Parser for a ReceiveMessage reply body, exposed for tests and fuzzing.
Result<std::vector<SqsMessage>> parse_receive_message(const std::string& json);

}  // namespace ebbflow::aws
