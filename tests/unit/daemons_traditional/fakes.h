// Fakes of the traditional-mode ports for the daemon scenario tests: one in-memory Auto
// Scaling group, an SQS queue with visibility timeouts and receive counts in virtual time, a
// DynamoDB table, and a scheduler whose answers and reachability the test sets. Faults are
// switches on the fakes (unreachable, failing calls), not mocks.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/autoscaling.h"
#include "aws/dynamodb.h"
#include "aws/sqs.h"
#include "daemons/event_log.h"
#include "scheduler/traditional/scheduler_port.h"

namespace ebbflow::testing {

inline Error unavailable(const std::string& what) { return make_error(ErrorKind::kUnavailable, "Timeout", what); }

class FakeAsg : public aws::AutoScalingApi {
 public:
  aws::AutoScalingGroup group;
  bool fail_describe = false;
  std::vector<int> desired_calls;
  std::vector<std::pair<std::string, bool>> terminations;  // (instance, decrement)

  FakeAsg(int min, int desired, int max) {
    group.name = "c-compute";
    group.min_size = min;
    group.desired_capacity = desired;
    group.max_size = max;
  }
  Status create_group(const aws::CreateAutoScalingGroupRequest&) override { return {}; }
  Status delete_group(const std::string&, bool) override { return {}; }
  Result<std::vector<aws::AutoScalingGroup>> describe_groups(const std::vector<std::string>& names) override {
    if (fail_describe) return unavailable("DescribeAutoScalingGroups");
    if (!names.empty() && names[0] != group.name) return std::vector<aws::AutoScalingGroup>{};
    return std::vector<aws::AutoScalingGroup>{group};
  }
  Status set_desired_capacity(const std::string&, int desired, bool) override {
    if (desired > group.max_size || desired < group.min_size)
      return make_error(ErrorKind::kInvalidInput, "ValidationError", "desired out of range");
    desired_calls.push_back(desired);
    group.desired_capacity = desired;
    return {};
  }
  Status update_group(const aws::UpdateAutoScalingGroupRequest&) override { return {}; }
  Result<aws::TerminateInAsgResult> terminate_instance_in_group(const std::string& id, bool decrement) override {
    if (decrement && group.desired_capacity <= group.min_size)
      return make_error(ErrorKind::kInvalidInput, "ValidationError",
                        "Currently, desiredSize equals minSize (" + std::to_string(group.min_size) +
                            "). Terminating instance without replacement will violate group's min size constraint.");
    terminations.emplace_back(id, decrement);
    if (decrement) --group.desired_capacity;
    return aws::TerminateInAsgResult{"act-1", "Terminating EC2 instance: " + id};
  }
  Status put_notification_configuration(const std::string&, const std::string&,
                                        const std::vector<std::string>&) override {
    return {};
  }
};

// An SQS queue in virtual time: `*now` is the test's clock.
class FakeSqs : public aws::SqsApi {
 public:
  struct Stored {
    aws::SqsMessage msg;
    int64_t visible_at = 0;
    bool deleted = false;
  };
  explicit FakeSqs(const int64_t* now) : now_(now) {}
  std::vector<Stored> messages;
  int default_visibility_s = 30;
  bool fail_receive = false;
  bool fail_delete = false;
  int deliver_twice = 0;  // the next N receives return each message twice (new handles)
  int next_handle = 0;
  std::vector<std::pair<std::string, int>> visibility_changes;  // (message id, seconds)

  std::string send(const std::string& body) {
    Stored s;
    s.msg.message_id = "msg-" + std::to_string(messages.size() + 1);
    s.msg.body = body;
    messages.push_back(s);
    return s.msg.message_id;
  }
  size_t live() const {
    return std::count_if(messages.begin(), messages.end(), [](const Stored& s) { return !s.deleted; });
  }
  const Stored* find(const std::string& id) const {
    for (const auto& s : messages)
      if (s.msg.message_id == id) return &s;
    return nullptr;
  }

  Result<std::string> create_queue(const std::string&, const std::map<std::string, std::string>&) override {
    return std::string("http://q");
  }
  Result<std::string> get_queue_url(const std::string&) override { return std::string("http://q"); }
  Result<std::string> send_message(const std::string&, const std::string& body, int) override { return send(body); }
  Result<std::vector<aws::SqsMessage>> receive_messages(const aws::ReceiveRequest& req) override {
    if (fail_receive) return unavailable("ReceiveMessage");
    std::vector<aws::SqsMessage> out;
    const bool twice = deliver_twice > 0;
    if (twice) --deliver_twice;
    for (auto& s : messages) {
      if (static_cast<int>(out.size()) >= req.max_messages) break;
      if (s.deleted || s.visible_at > *now_) continue;
      const int copies = twice ? 2 : 1;
      for (int c = 0; c < copies; ++c) {
        s.msg.approximate_receive_count++;
        s.msg.receipt_handle = "rh-" + std::to_string(++next_handle);
        out.push_back(s.msg);
      }
      s.visible_at = *now_ + req.visibility_timeout.value_or(default_visibility_s);
    }
    return out;
  }
  Status delete_message(const std::string&, const std::string& handle) override {
    for (auto& s : messages)
      if (s.msg.receipt_handle == handle) {
        s.deleted = true;
        return {};
      }
    return make_error(ErrorKind::kInvalidInput, "ReceiptHandleIsInvalid", handle);
  }
  Result<std::vector<aws::BatchEntryFailure>> delete_message_batch(const std::string& q,
                                                                  const std::vector<std::string>& handles) override {
    if (fail_delete) return unavailable("DeleteMessageBatch");
    std::vector<aws::BatchEntryFailure> failures;
    for (size_t i = 0; i < handles.size(); ++i)
      if (!delete_message(q, handles[i]).ok())
        failures.push_back({std::to_string(i), "ReceiptHandleIsInvalid", handles[i], true});
    return failures;
  }
  Status change_message_visibility(const std::string&, const std::string& handle, int seconds) override {
    for (auto& s : messages)
      if (s.msg.receipt_handle == handle) {
        s.visible_at = *now_ + seconds;
        visibility_changes.emplace_back(s.msg.message_id, seconds);
        return {};
      }
    return make_error(ErrorKind::kInvalidInput, "ReceiptHandleIsInvalid", handle);
  }

 private:
  const int64_t* now_;
};

class FakeDynamo : public aws::DynamoDbApi {
 public:
  std::map<std::string, aws::DynamoItem> items;  // instanceId -> item
  bool fail = false;
  int puts = 0;
  int deletes = 0;
  Status create_table(const std::string&, const std::string&) override { return {}; }
  Status put_item(const std::string&, const aws::DynamoItem& item) override {
    if (fail) return unavailable("PutItem");
    ++puts;
    items[item.at("instanceId")] = item;
    return {};
  }
  Result<std::optional<aws::DynamoItem>> get_item(const std::string&, const std::string&, const std::string& key,
                                                  bool consistent) override {
    if (fail) return unavailable("GetItem");
    if (!consistent) return make_error(ErrorKind::kInternal, "Test", "expected ConsistentRead");
    auto it = items.find(key);
    if (it == items.end()) return std::optional<aws::DynamoItem>{};
    return std::optional<aws::DynamoItem>{it->second};
  }
  Status delete_item(const std::string&, const std::string&, const std::string& key) override {
    if (fail) return unavailable("DeleteItem");
    ++deletes;
    items.erase(key);
    return {};
  }
  Result<std::vector<aws::DynamoItem>> query(const std::string&, const std::string&, const std::string&) override {
    return std::vector<aws::DynamoItem>{};
  }
  Result<std::vector<aws::DynamoItem>> batch_get_item(const std::string&, const std::string&,
                                                      const std::vector<std::string>&) override {
    return std::vector<aws::DynamoItem>{};
  }
};

class FakeScheduler : public sched::TraditionalScheduler {
 public:
  bool reachable = true;
  int busy = 0;
  int required = 0;  // what required_nodes answers (held jobs already left out by the adapter)
  std::set<std::string> hosts;             // hosts known to the scheduler
  std::map<std::string, int> slots;        // per host
  std::set<std::string> running;           // hosts running a job
  bool pending = false;
  std::map<std::string, sched::NodeHealth> health;  // default: up when known, missing otherwise
  std::set<std::string> locked;
  int add_calls = 0, remove_calls = 0, lock_calls = 0, unlock_calls = 0;
  std::vector<int> required_max_sizes;  // max_size passed to required_nodes

  std::string name() const override { return "fake"; }
  Result<int> busy_nodes() override {
    if (!reachable) return unavailable("busy");
    return busy;
  }
  Result<int> required_nodes(const sched::NodeCapacity&, int max_size) override {
    if (!reachable) return unavailable("required");
    required_max_sizes.push_back(max_size);
    return required;
  }
  Result<bool> has_jobs(const std::string& h) override {
    if (!reachable) return unavailable("has_jobs");
    return running.count(h) > 0;
  }
  Result<bool> has_pending_jobs(const sched::NodeCapacity&, int) override {
    if (!reachable) return unavailable("pending");
    return pending;
  }
  Result<sched::NodeHealth> node_health(const std::string& h) override {
    if (!reachable) return unavailable("health");
    auto it = health.find(h);
    if (it != health.end()) return it->second;
    return hosts.count(h) ? sched::NodeHealth::kUp : sched::NodeHealth::kMissing;
  }
  bool fail_lock = false;
  Status lock_host(const std::string& h) override {
    ++lock_calls;
    if (!reachable || fail_lock) return unavailable("lock");
    locked.insert(h);
    return {};
  }
  Status unlock_host(const std::string& h) override {
    ++unlock_calls;
    if (!reachable) return unavailable("unlock");
    locked.erase(h);
    return {};
  }
  sched::HostUpdateResult add_hosts(const std::vector<sched::Host>& in) override {
    ++add_calls;
    sched::HostUpdateResult r;
    for (const auto& h : in) {
      if (!reachable) {
        r.failed.push_back(h.hostname);
        r.messages.push_back(h.hostname + ": scheduler unreachable");
        continue;
      }
      hosts.insert(h.hostname);
      slots[h.hostname] = h.slots;
      r.succeeded.push_back(h.hostname);
    }
    return r;
  }
  sched::HostUpdateResult remove_hosts(const std::vector<sched::Host>& in) override {
    ++remove_calls;
    sched::HostUpdateResult r;
    for (const auto& h : in) {
      if (!reachable) {
        r.failed.push_back(h.hostname);
        r.messages.push_back(h.hostname + ": scheduler unreachable");
        continue;
      }
      hosts.erase(h.hostname);
      r.succeeded.push_back(h.hostname);
    }
    return r;
  }
};

// A temporary directory with an event log; removed at the end of the test.
class TempEventLog {
 public:
  TempEventLog() {
    char tmpl[] = "/tmp/ebbflow-trad-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    log_ = std::make_unique<daemons::EventLog>(dir_ + "/events.jsonl");
  }
  ~TempEventLog() { std::filesystem::remove_all(dir_); }
  const daemons::EventLog* log() const { return log_.get(); }
  const std::string& dir() const { return dir_; }
  std::vector<nlohmann::json> events() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(log_->path());
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  // Events with this action (and rule, when given).
  std::vector<nlohmann::json> with(const std::string& action, const std::string& rule = "") const {
    std::vector<nlohmann::json> out;
    for (auto& e : events())
      if (e["action"] == action && (rule.empty() || e["rule"] == rule)) out.push_back(e);
    return out;
  }

 private:
  std::string dir_;
  std::unique_ptr<daemons::EventLog> log_;
};

}  // namespace ebbflow::testing
