// The local cloud's Amazon SQS (standard queues, AWS JSON 1.0 protocol, target "AmazonSQS").
//
// Queues and their messages (with visibility state) live in memory and are written through to
// their own SQLite file, so a restarted server loses nothing. Semantics follow SQS: a received,
// undeleted message becomes visible again when its visibility timeout expires; every receive
// hands out a new receipt handle; DeleteMessage with a stale (superseded) handle succeeds
// without deleting; a malformed handle is ReceiptHandleIsInvalid. Queue URLs are
// <endpoint>/000000000000/<name>.
//
// Time is an argument everywhere (milliseconds for SQS calls, so unit tests use a virtual
// clock); only handle_blocking() really waits, for ReceiveMessage long polling. Thread-safe:
// every public method takes `mu_`, and a long poll waits on a condition variable with the lock
// released.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "cloud/json_reply.h"
#include "util/result.h"

namespace ebbflow::cloud {

struct QueueServiceOptions {
  std::string db_path;   // SQLite file, e.g. <state>/sqs.db
  std::string endpoint;  // "http://127.0.0.1:PORT" (queue URLs start with it)
  std::string region = "us-east-1";
  std::function<void(const nlohmann::json&)> log;  // event log (dropped notifications); optional
};

class QueueService {
 public:
  static Result<std::unique_ptr<QueueService>> open(QueueServiceOptions options);
  ~QueueService();

  // One SQS operation ("CreateQueue", ...) with its JSON request, at `now_ms` (Unix ms). Never
  // waits: a ReceiveMessage that finds nothing returns an empty reply at once.
  JsonReply handle(const std::string& operation, const nlohmann::json& request, int64_t now_ms);

  // What the HTTP layer calls: like handle(), but a ReceiveMessage with a wait time (its
  // WaitTimeSeconds, else the queue's ReceiveMessageWaitTimeSeconds) that finds nothing waits
  // until a message becomes available (sent, made visible, delay over) or the wait ends.
  // `clock` returns Unix ms.
  JsonReply handle_blocking(const std::string& operation, const nlohmann::json& request,
                            const std::function<int64_t()>& clock);

  // Delivers an SNS notification: wraps `message_json` in the SNS envelope (Type Notification,
  // MessageId, TopicArn, Subject, Message = message_json as a string, Timestamp, ...) and
  // enqueues it on the queue named like the topic (the ARN's last component). No such queue is
  // not an error: the notification is dropped, as SNS does without a subscription. `now` is Unix
  // SECONDS (the Auto Scaling service's clock).
  Status publish_to_topic(const std::string& topic_arn, const std::string& subject, const std::string& message_json,
                          int64_t now);

  // Wakes every long poll (server shutdown); later long polls return at once.
  void shutdown();

  // For tests and the admin state: messages on a queue (visible + in flight + delayed), or -1.
  int64_t message_count(const std::string& queue_name);

 private:
  struct Impl;  // queues, the store, the operations (queue_service.cpp)
  explicit QueueService(std::unique_ptr<Impl> impl);
  JsonReply run(const std::string& operation, const nlohmann::json& request, const std::function<int64_t()>& clock,
                bool may_wait);

  std::mutex mu_;                 // guards everything below
  std::condition_variable cv_;    // notified when a queue may have a message to receive
  std::unique_ptr<Impl> impl_;
  bool shutting_down_ = false;
};

}  // namespace ebbflow::cloud
