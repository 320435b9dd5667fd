#include "daemons/traditional/sqswatcher.h"

#include <algorithm>

namespace ebbflow::daemons {

namespace {

constexpr const char* kComponent = "sqswatcher";

const char* rule_of(const core::HostMessage& m) {
  switch (m.kind) {
    case core::MessageKind::kAdd: return "compute-ready";
    case core::MessageKind::kRemove: return "instance-terminate";
    case core::MessageKind::kIgnore: return "unsupported-event";
    case core::MessageKind::kMalformed: return "malformed-message";
  }
  return "?";
}

}  // namespace

void Sqswatcher::record(const Event& e) const {
  if (events_) events_->write(e);
}

void Sqswatcher::forget_old(int64_t now) {
  const int64_t horizon = now - settings_.remember_handled_s;
  std::erase_if(handled_, [&](const auto& kv) { return kv.second < horizon; });
  std::erase_if(removed_instances_, [&](const auto& kv) { return kv.second < horizon; });
}

// One step's messages and what became of them (indexes into `parsed` unless said otherwise).
struct Sqswatcher::Batch {
  std::vector<aws::SqsMessage> msgs;
  std::vector<core::HostMessage> parsed;
  std::vector<std::string> ids;
  std::vector<size_t> fresh;                           // index into msgs of each parsed entry
  std::vector<size_t> to_delete;                       // index into msgs
  std::vector<size_t> done;                            // handled: delete and remember
  std::vector<std::pair<size_t, std::string>> failed;  // (entry, why): retry or drop
  core::BatchPlan plan;
};

Status Sqswatcher::receive(Batch& b) {
  while (static_cast<int>(b.msgs.size()) < settings_.max_messages) {
    aws::ReceiveRequest req;
    req.queue_url = settings_.queue_url;
    req.max_messages = std::min(10, settings_.max_messages - static_cast<int>(b.msgs.size()));
    req.wait_time_s = settings_.receive_wait_s;
    if (settings_.visibility_timeout_s > 0) req.visibility_timeout = settings_.visibility_timeout_s;
    auto got = sqs_.receive_messages(req);
    if (!got.ok()) {
      if (b.msgs.empty()) return got.error();
      break;  // act on what was received; the rest waits for the next step
    }
    if (got->empty()) break;
    for (auto& m : *got) b.msgs.push_back(std::move(m));
  }
  return {};
}

Status Sqswatcher::run_once(int64_t now) {
  last_ = SqswatcherStep{};
  forget_old(now);

  // 1. Receive until the queue is empty or the cap is reached.
  Batch b;
  if (Status st = receive(b); !st.ok()) return st;
  last_.received = static_cast<int>(b.msgs.size());
  if (b.msgs.empty()) return {};

  // 2. Parse; messages handled earlier (redelivered after a lost delete) are only deleted.
  for (size_t i = 0; i < b.msgs.size(); ++i) {
    if (handled_.count(b.msgs[i].message_id)) {
      b.to_delete.push_back(i);
      record({now, kComponent, "redelivered-message", "delete-message",
              "message " + b.msgs[i].message_id + " was already handled: deleted without a second effect", {}, {},
              "ok"});
      continue;
    }
    b.parsed.push_back(core::parse_host_message(b.msgs[i].body));
    b.ids.push_back(b.msgs[i].message_id);
    b.fresh.push_back(i);
  }
  b.plan = core::plan_batch(b.parsed, b.ids);
  for (size_t k : b.plan.superseded) {
    b.done.push_back(k);
    record({now, kComponent, "dedupe", "delete-message",
            std::string(core::to_string(b.parsed[k].kind)) + " superseded by a later message in the same batch", {},
            {b.parsed[k].instance_id}, "ok"});
  }
  for (size_t k : b.plan.other) {
    b.done.push_back(k);
    const bool bad = b.parsed[k].kind == core::MessageKind::kMalformed;
    record({now, kComponent, rule_of(b.parsed[k]), "delete-message",
            (bad ? "malformed message " : "ignored message ") + b.ids[k] + ": " + b.parsed[k].reason, {}, {},
            bad ? "error" : "ok"});
  }

  // 3. Removals before additions (a reused hostname ends up added).
  handle_removes(b, now);
  handle_adds(b, now);
  // 4. Failed events: back off and let SQS deliver them again, or drop after the bound.
  retry_or_drop(b, now);
  // 5. Delete everything decided on.
  delete_handled(b, now);
  return {};
}

void Sqswatcher::handle_removes(Batch& b, int64_t now) {
  std::vector<sched::Host> removals;
  std::vector<size_t> entry;
  for (size_t r = 0; r < b.plan.removes.size(); ++r) {
    const size_t k = b.plan.removes[r];
    const std::string& instance = b.parsed[k].instance_id;
    auto row = db_.get_item(settings_.table, "instanceId", instance, /*consistent_read=*/true);
    if (!row.ok()) {
      b.failed.emplace_back(k, "GetItem " + instance + ": " + row.error().describe());
      continue;
    }
    std::string host;
    if (row->has_value()) {
      auto it = (*row)->find("hostname");
      if (it != (*row)->end()) host = it->second;
    }
    if (host.empty()) host = b.plan.remove_hostname_hint[r];
    if (host.empty()) {
      b.failed.emplace_back(k, "no hostname for " + instance + " in " + settings_.table +
                                   " (not joined yet, or already removed)");
      continue;
    }
    if (auto owner = host_owner_.find(host); owner != host_owner_.end() && owner->second != instance) {
      // The hostname was reused by a newer instance: forget the old mapping, keep the host.
      Status del = db_.delete_item(settings_.table, "instanceId", instance);
      if (!del.ok()) {
        b.failed.emplace_back(k, "DeleteItem " + instance + ": " + del.error().describe());
        continue;
      }
      b.done.push_back(k);
      removed_instances_[instance] = now;
      record({now, kComponent, "instance-terminate", "delete-mapping",
              host + " now belongs to " + owner->second + ": only the mapping of " + instance + " is removed", {host},
              {instance}, "ok"});
      continue;
    }
    removals.push_back({instance, host, 1, 0});
    entry.push_back(k);
  }
  if (removals.empty()) return;

  const sched::HostUpdateResult res = scheduler_.remove_hosts(removals);
  std::vector<std::string> ok_hosts, ok_instances;
  for (size_t j = 0; j < removals.size(); ++j) {
    const size_t k = entry[j];
    if (std::count(res.succeeded.begin(), res.succeeded.end(), removals[j].hostname) == 0) {
      b.failed.emplace_back(k, "remove_hosts " + removals[j].hostname + " failed");
      continue;
    }
    // The mapping goes only once the host is out: a failed DeleteItem retries the (idempotent) removal.
    Status del = db_.delete_item(settings_.table, "instanceId", removals[j].instance_id);
    if (!del.ok()) {
      b.failed.emplace_back(k, "DeleteItem " + removals[j].instance_id + ": " + del.error().describe());
      continue;
    }
    b.done.push_back(k);
    removed_instances_[removals[j].instance_id] = now;
    host_owner_.erase(removals[j].hostname);
    ok_hosts.push_back(removals[j].hostname);
    ok_instances.push_back(removals[j].instance_id);
    ++last_.removed;
  }
  if (!ok_hosts.empty())
    record({now, kComponent, "instance-terminate", "remove-hosts", "instances terminated", ok_hosts, ok_instances, "ok"});
  for (const auto& m : res.messages)
    record({now, kComponent, "instance-terminate", "note", "remove_hosts: " + m, {}, {}, "error"});
}

void Sqswatcher::handle_adds(Batch& b, int64_t now) {
  std::vector<sched::Host> additions;
  std::vector<size_t> entry;
  for (size_t k : b.plan.adds) {
    const core::HostMessage& m = b.parsed[k];
    if (removed_instances_.count(m.instance_id)) {
      b.done.push_back(k);
      record({now, kComponent, "compute-ready", "delete-message",
              "instance " + m.instance_id + " was already removed: not adding " + m.hostname, {m.hostname},
              {m.instance_id}, "ok"});
      continue;
    }
    // The mapping first: a REMOVE of this instance needs it to find the host.
    Status put = db_.put_item(settings_.table, {{"instanceId", m.instance_id}, {"hostname", m.hostname}});
    if (!put.ok()) {
      b.failed.emplace_back(k, "PutItem " + m.instance_id + ": " + put.error().describe());
      continue;
    }
    additions.push_back({m.instance_id, m.hostname, m.slots, settings_.gpus_per_node});
    entry.push_back(k);
  }
  if (additions.empty()) return;

  const sched::HostUpdateResult res = scheduler_.add_hosts(additions);
  std::vector<std::string> ok_hosts, ok_instances;
  for (size_t j = 0; j < additions.size(); ++j) {
    const size_t k = entry[j];
    if (std::count(res.succeeded.begin(), res.succeeded.end(), additions[j].hostname) == 0) {
      b.failed.emplace_back(k, "add_hosts " + additions[j].hostname + " failed");
      continue;
    }
    b.done.push_back(k);
    host_owner_[additions[j].hostname] = additions[j].instance_id;
    ok_hosts.push_back(additions[j].hostname);
    ok_instances.push_back(additions[j].instance_id);
    ++last_.added;
  }
  if (!ok_hosts.empty())
    record({now, kComponent, "compute-ready", "add-hosts", "instances ready", ok_hosts, ok_instances, "ok"});
  for (const auto& m : res.messages)
    record({now, kComponent, "compute-ready", "note", "add_hosts: " + m, {}, {}, "error"});
}

void Sqswatcher::retry_or_drop(Batch& b, int64_t now) {
  for (const auto& [k, why] : b.failed) {
    const aws::SqsMessage& msg = b.msgs[b.fresh[k]];
    const int deliveries = std::max(1, msg.approximate_receive_count);
    const core::RetryDecision rd = core::decide_retry(deliveries, settings_.retry);
    std::vector<std::string> hosts;
    if (!b.parsed[k].hostname.empty()) hosts.push_back(b.parsed[k].hostname);
    if (rd.retry) {
      // A failed visibility change is harmless: the queue's own timeout brings it back.
      (void)sqs_.change_message_visibility(settings_.queue_url, msg.receipt_handle, rd.visibility_timeout_s);
      ++last_.retried;
      record({now, kComponent, rule_of(b.parsed[k]), "retry-message",
              why + "; delivery " + std::to_string(deliveries) + ", retry in " +
                  std::to_string(rd.visibility_timeout_s) + " s",
              hosts, {b.parsed[k].instance_id}, "error"});
    } else {
      b.done.push_back(k);
      ++last_.dropped;
      record({now, kComponent, rule_of(b.parsed[k]), "drop-message",
              why + "; given up after " + std::to_string(deliveries) + " deliveries", hosts,
              {b.parsed[k].instance_id}, "error"});
    }
  }
}

void Sqswatcher::delete_handled(Batch& b, int64_t now) {
  for (size_t k : b.done) {
    b.to_delete.push_back(b.fresh[k]);
    handled_[b.ids[k]] = now;
  }
  std::sort(b.to_delete.begin(), b.to_delete.end());
  b.to_delete.erase(std::unique(b.to_delete.begin(), b.to_delete.end()), b.to_delete.end());
  for (size_t start = 0; start < b.to_delete.size(); start += 10) {  // ten handles per call
    std::vector<std::string> handles;
    for (size_t j = start; j < b.to_delete.size() && j < start + 10; ++j)
      handles.push_back(b.msgs[b.to_delete[j]].receipt_handle);
    auto res = sqs_.delete_message_batch(settings_.queue_url, handles);
    if (!res.ok()) {
      record({now, kComponent, "delete", "note",
              "DeleteMessageBatch: " + res.error().describe() +
                  " (handled messages come back and are deleted without a second effect)",
              {}, {}, "error"});
      continue;
    }
    last_.deleted += static_cast<int>(handles.size() - res->size());
    for (const auto& f : *res)
      record({now, kComponent, "delete", "note", "DeleteMessageBatch entry " + f.id + ": " + f.code + " " + f.message,
              {}, {}, "error"});
  }
}

}  // namespace ebbflow::daemons
