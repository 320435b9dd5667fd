// sqswatcher's pure decisions (reference 3.2-3.3): what one SQS message body means, how one
// received batch is de-duplicated, and whether a failed event is retried or dropped.
//
// A body is the SNS envelope {"Type":"Notification","Message":"<inner JSON string>",...}, or the
// inner JSON itself (accepted too: a raw-delivery subscription or a hand-sent message). The
// inner JSON's "Event" selects ADD (parallelcluster:COMPUTE_READY), REMOVE
// (autoscaling:EC2_INSTANCE_TERMINATE) or IGNORE (anything else, including a missing Event and
// autoscaling:EC2_INSTANCE_LAUNCH: a launched instance joins only once it says it is ready).
// A body that is not JSON, or an ADD/REMOVE missing a field it needs, is MALFORMED with a
// reason naming the field: the daemon logs and deletes it (never retried forever).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ebbflow::core {

enum class MessageKind { kAdd, kRemove, kIgnore, kMalformed };
const char* to_string(MessageKind kind);

inline constexpr const char* kEventComputeReady = "parallelcluster:COMPUTE_READY";
inline constexpr const char* kEventInstanceTerminate = "autoscaling:EC2_INSTANCE_TERMINATE";
inline constexpr const char* kEventInstanceLaunch = "autoscaling:EC2_INSTANCE_LAUNCH";

struct HostMessage {
  MessageKind kind = MessageKind::kMalformed;
  std::string event;          // the inner "Event" value ("" when missing)
  std::string instance_id;    // EC2InstanceId (ADD, REMOVE)
  std::string hostname;       // ADD: LocalHostname up to the first '.'
  std::string instance_type;  // ADD: EC2InstanceType ("" when absent)
  int slots = 0;              // ADD: Slots (a decimal string or a number), >= 1
  std::string reason;         // MALFORMED / IGNORE: what is wrong or why it is ignored
};

HostMessage parse_host_message(const std::string& body);

// The outcome of de-duplicating one batch: indexes into the input.
struct BatchPlan {
  std::vector<size_t> removes;     // REMOVE entries to act on, in receive order
  std::vector<size_t> adds;        // ADD entries to act on, in receive order
  std::vector<size_t> superseded;  // entries made redundant by another one: delete, no action
  std::vector<size_t> other;       // IGNORE / MALFORMED: delete with an event
  // For a REMOVE whose instance also has a superseded ADD in this batch, that ADD's hostname
  // (index into `removes` -> hostname), so the removal does not depend on a DynamoDB row the
  // ADD never wrote.
  std::vector<std::string> remove_hostname_hint;  // parallel to `removes`
};

// De-duplicates one batch (reference 3.3, with ebbflow's rules):
// - the same SQS message id twice: the later copy is kept (its receipt handle is the valid one);
// - the same instance id: REMOVE beats ADD (an instance that is gone must not join), and of
//   several ADDs (or REMOVEs) the last one is kept;
// - the same hostname on ADDs of different instances: the last ADD is kept.
// A REMOVE and an ADD of *different* instances that share a hostname (address reuse) both stay:
// the daemon runs removals before additions, so the new instance still joins.
BatchPlan plan_batch(const std::vector<HostMessage>& messages, const std::vector<std::string>& message_ids);

// Retry policy for an event that failed (scheduler unreachable, DynamoDB error, REMOVE whose
// row is missing). ADD and REMOVE are both retried through SQS redelivery until the message has
// been received `max_receive_count` times; then it is dropped (deleted, with an event). The
// back-off is the visibility timeout to set: base * 2^(receives-1), capped.
struct RetryPolicy {
  int max_receive_count = 5;
  int base_backoff_s = 30;
  int max_backoff_s = 300;
};

struct RetryDecision {
  bool retry = false;
  int visibility_timeout_s = 0;  // when retry
};

RetryDecision decide_retry(int receive_count, const RetryPolicy& policy);

}  // namespace ebbflow::core
