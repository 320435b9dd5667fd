// sqswatcher (traditional mode, head node): joins ready compute hosts to the scheduler and
// removes terminated ones (reference 3), from the cluster's SQS queue.
//   receive until the queue is empty or max_messages were taken
//   -> parse (core::parse_host_message) and de-duplicate (core::plan_batch)
//   -> REMOVE: hostname by GetItem(ConsistentRead), scheduler remove_hosts, DeleteItem
//   -> ADD: PutItem {instanceId, hostname}, scheduler add_hosts
//   -> DeleteMessageBatch for what was handled; a failed event is left on the queue with a
//      back-off visibility (core::decide_retry) and dropped (deleted, with an event) after
//      RetryPolicy::max_receive_count deliveries.
// Removals run before additions so a reused hostname ends up added, and a late REMOVE of an
// instance whose hostname now belongs to a newer instance (added by this process) only deletes
// the old mapping, never the new host. Handling a redelivered
// message has no second effect: messages handled in the last hour are remembered by id and only
// deleted, ADDs of instances this process already removed are dropped, and every scheduler and
// DynamoDB call is idempotent. A malformed or unsupported message is logged and deleted.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "aws/dynamodb.h"
#include "aws/sqs.h"
#include "core/traditional/sqs_message.h"
#include "daemons/event_log.h"
#include "scheduler/traditional/scheduler_port.h"
#include "util/result.h"

namespace ebbflow::daemons {

struct SqswatcherSettings {
  std::string queue_url;
  std::string table;                 // <cluster>-hosts, hash key instanceId
  int max_messages = 200;            // per step (reference: max_processed_messages)
  int receive_wait_s = 2;            // long polling per ReceiveMessage
  int visibility_timeout_s = 60;     // for received messages (absent from the request when <= 0)
  core::RetryPolicy retry;
  int gpus_per_node = 0;             // the group's instance type (ADD events carry slots only)
  int64_t remember_handled_s = 3600; // how long handled message ids are remembered
  int64_t loop_s = 30;
};

struct SqswatcherStep {
  int received = 0;
  int added = 0;      // hosts added (or already present)
  int removed = 0;    // hosts removed
  int deleted = 0;    // messages deleted (handled, superseded, dropped, malformed, ignored)
  int retried = 0;    // messages left for redelivery
  int dropped = 0;    // failed events given up after the bounded retries
};

class Sqswatcher {
 public:
  Sqswatcher(aws::SqsApi& sqs, aws::DynamoDbApi& db, sched::TraditionalScheduler& scheduler, const EventLog* events,
             SqswatcherSettings settings)
      : sqs_(sqs), db_(db), scheduler_(scheduler), events_(events), settings_(std::move(settings)) {}

  // One step at time `now`. An error only when nothing could be received; per-event failures
  // are retried through the queue and reported in last_step() and the event log.
  Status run_once(int64_t now);
  const SqswatcherStep& last_step() const { return last_; }
  const SqswatcherSettings& settings() const { return settings_; }

 private:
  struct Batch;
  Status receive(Batch& b);
  void handle_removes(Batch& b, int64_t now);
  void handle_adds(Batch& b, int64_t now);
  void retry_or_drop(Batch& b, int64_t now);
  void delete_handled(Batch& b, int64_t now);
  void record(const Event& e) const;
  void forget_old(int64_t now);

  aws::SqsApi& sqs_;
  aws::DynamoDbApi& db_;
  sched::TraditionalScheduler& scheduler_;
  const EventLog* events_;  // may be null
  SqswatcherSettings settings_;
  SqswatcherStep last_;
  std::map<std::string, int64_t> handled_;            // message id -> when handled
  std::map<std::string, int64_t> removed_instances_;  // instance id -> when removed
  // hostname -> the instance this process last added under it. A late REMOVE of an older
  // instance whose address (and so hostname) was reused must not take the new host out.
  std::map<std::string, std::string> host_owner_;
};

}  // namespace ebbflow::daemons
