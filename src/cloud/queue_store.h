// The SQS half of the local cloud's durable state: queues (attributes, timestamps) and their
// messages with visibility state, in their own SQLite file (sqs.db in the state directory).
// QueueService keeps the working copy in memory and writes every change through; reads happen
// only at start-up. Not thread-safe (the service locks).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sqlite/database.h"
#include "util/result.h"

namespace ebbflow::cloud {

struct QueuedMessage {
  std::string id;           // MessageId (UUID)
  int64_t seq = 0;          // send order, unique across queues
  std::string body;
  std::string md5;          // MD5OfBody, hex
  int64_t sent_ms = 0;
  int64_t visible_at_ms = 0;  // receivable from then on (delay, visibility timeout)
  int receive_count = 0;
  int64_t first_receive_ms = 0;
  std::string nonce;        // of the current receipt handle; empty before the first receive
};

struct QueueRecord {
  std::string name;
  std::map<std::string, std::string> attributes;  // the settable ones, defaults filled in
  int64_t created_s = 0;
  int64_t modified_s = 0;
  std::map<int64_t, QueuedMessage> messages;  // by seq: oldest first
};

class QueueStore {
 public:
  static Result<std::unique_ptr<QueueStore>> open(const std::string& path);

  Status put_queue(const QueueRecord& q);       // attributes and timestamps, not messages
  Status delete_queue(const std::string& name);  // and its messages
  Status put_messages(const std::string& queue, const std::vector<const QueuedMessage*>& messages);
  Status delete_messages(const std::vector<std::string>& ids);
  Status purge(const std::string& queue);
  Result<std::vector<QueueRecord>> load();

 private:
  explicit QueueStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace ebbflow::cloud
