// QueueService: the SQS operations over the in-memory queues, written through to QueueStore.
// Validation messages and error codes copy SQS's (so the AWS CLI prints what it would print
// against AWS); see docs/local-cloud.md for what is left out.
#include "cloud/queue_service.h"

#include <algorithm>
#include <limits>
#include <set>

#include "cloud/model.h"
#include "cloud/queue_store.h"
#include "cloud/queue_wire.h"

namespace ebbflow::cloud {

namespace {

using nlohmann::json;
using namespace sqs_wire;  // NOLINT: the wire helpers of this service

constexpr const char* kAccount = "000000000000";
constexpr int kMaxBatch = 10;
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

struct NumericAttribute {
  const char* name;
  int64_t lo, hi;
  const char* fallback;
};
const NumericAttribute kNumericAttributes[] = {
    {"VisibilityTimeout", 0, 43200, "30"},
    {"MessageRetentionPeriod", 60, 1209600, "345600"},
    {"DelaySeconds", 0, 900, "0"},
    {"ReceiveMessageWaitTimeSeconds", 0, 20, "0"},
    {"MaximumMessageSize", 1024, 262144, "262144"},
};
// Accepted and stored, without effect here (no IAM, no encryption at rest to speak of).
const std::set<std::string> kInertAttributes = {"Policy", "SqsManagedSseEnabled"};
const char* const kMessageSystemAttributes[] = {"SenderId", "SentTimestamp", "ApproximateReceiveCount",
                                                "ApproximateFirstReceiveTimestamp"};

}  // namespace

// Everything guarded by QueueService::mu_.
struct QueueService::Impl {
  QueueServiceOptions options;
  std::unique_ptr<QueueStore> store;
  std::map<std::string, QueueRecord> queues;
  int64_t next_seq = 1;

  // Set by receive() when it found nothing: how long the caller may wait, and when the next
  // message of that queue becomes visible by itself (kNever: only a send can help).
  struct Wait {
    int64_t wait_s = 0;
    int64_t next_visible_ms = kNever;
  };

  std::string url(const std::string& name) const { return options.endpoint + "/" + kAccount + "/" + name; }

  int64_t attr(const QueueRecord& q, const char* name) const {
    auto it = q.attributes.find(name);
    return it == q.attributes.end() ? 0 : std::stoll(it->second);
  }

  Result<QueueRecord*> queue_of(const json& req) {
    auto url = string_param(req, "QueueUrl");
    if (!url.ok()) return url.error();
    std::string name = url->substr(url->rfind('/') + 1);
    auto it = queues.find(name);
    if (it == queues.end()) return sqs_err("QueueDoesNotExist", "The specified queue does not exist.");
    return &it->second;
  }

  // Validates settable attributes (all of `attrs`) into `out`.
  Status check_attributes(const json& attrs, std::map<std::string, std::string>& out) {
    if (attrs.is_null()) return {};
    if (!attrs.is_object()) return sqs_err("InvalidParameterValue", "Attributes must be a map of strings.");
    for (const auto& [name, value] : attrs.items()) {
      if (!value.is_string()) return sqs_err("InvalidAttributeValue", "Invalid value for the parameter " + name + ".");
      std::string v = value.get<std::string>();
      const NumericAttribute* spec = nullptr;
      for (const auto& a : kNumericAttributes)
        if (name == a.name) spec = &a;
      if (spec) {
        if (!all_digits(v) || std::stoll(v) < spec->lo || std::stoll(v) > spec->hi)
          return sqs_err("InvalidAttributeValue", "Invalid value for the parameter " + name + ".");
        out[name] = std::to_string(std::stoll(v));
      } else if (kInertAttributes.count(name)) {
        out[name] = v;
      } else if (name == "FifoQueue" || name == "ContentBasedDeduplication") {
        return sqs_err("InvalidAttributeName", "FIFO queues are not supported by the ebbflow local cloud.");
      } else {
        return sqs_err("InvalidAttributeName", "Unknown Attribute " + name + ".");
      }
    }
    return {};
  }

  // Messages past the retention period are gone, as in SQS.
  void expire(QueueRecord& q, int64_t now_ms) {
    int64_t keep_ms = attr(q, "MessageRetentionPeriod") * 1000;
    std::vector<std::string> gone;
    for (auto it = q.messages.begin(); it != q.messages.end();) {
      if (it->second.sent_ms + keep_ms <= now_ms) {
        gone.push_back(it->second.id);
        it = q.messages.erase(it);
      } else {
        ++it;
      }
    }
    (void)store->delete_messages(gone);
  }

  Result<json> create_queue(const json& req, int64_t now_ms) {
    auto name = string_param(req, "QueueName");
    if (!name.ok()) return name.error();
    if (name->size() > 5 && name->substr(name->size() - 5) == ".fifo")
      return sqs_err("InvalidParameterValue", "FIFO queues are not supported by the ebbflow local cloud.");
    if (!valid_name(*name, 80))
      return sqs_err("InvalidParameterValue",
                     "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
    std::map<std::string, std::string> given;
    if (auto s = check_attributes(req.contains("Attributes") ? req["Attributes"] : json(), given); !s.ok())
      return s.error();
    if (auto it = queues.find(*name); it != queues.end()) {
      // Idempotent when every given attribute matches the existing queue's.
      for (const auto& [k, v] : given)
        if (it->second.attributes[k] != v)
          return sqs_err("QueueNameExists",
                         "A queue already exists with the same name and a different value for attribute " + k);
      return json{{"QueueUrl", url(*name)}};
    }
    QueueRecord q;
    q.name = *name;
    for (const auto& a : kNumericAttributes) q.attributes[a.name] = a.fallback;
    for (const auto& [k, v] : given) q.attributes[k] = v;
    q.created_s = q.modified_s = now_ms / 1000;
    if (auto s = store->put_queue(q); !s.ok()) return s.error();
    queues[*name] = std::move(q);
    return json{{"QueueUrl", url(*name)}};
  }

  Result<json> get_queue_url(const json& req) {
    auto name = string_param(req, "QueueName");
    if (!name.ok()) return name.error();
    if (!queues.count(*name)) return sqs_err("QueueDoesNotExist", "The specified queue does not exist.");
    return json{{"QueueUrl", url(*name)}};
  }

  Result<json> list_queues(const json& req) {
    auto prefix = string_param(req, "QueueNamePrefix", false);
    if (!prefix.ok()) return prefix.error();
    auto max = int_param(req, "MaxResults", 1, 1000, 1000);
    if (!max.ok()) return max.error();
    json urls = json::array();
    for (const auto& [name, _] : queues)
      if (name.rfind(*prefix, 0) == 0 && static_cast<int64_t>(urls.size()) < *max) urls.push_back(url(name));
    json out = json::object();
    if (!urls.empty()) out["QueueUrls"] = urls;
    return out;
  }

  Result<json> delete_queue(const json& req) {
    auto q = queue_of(req);
    if (!q.ok()) return q.error();
    std::string name = (*q)->name;
    if (auto s = store->delete_queue(name); !s.ok()) return s.error();
    queues.erase(name);
    return json::object();
  }

  Result<json> set_queue_attributes(const json& req, int64_t now_ms) {
    auto q = queue_of(req);
    if (!q.ok()) return q.error();
    std::map<std::string, std::string> given;
    if (!req.contains("Attributes")) return sqs_err("MissingParameter", "The request must contain the parameter Attributes.");
    if (auto s = check_attributes(req["Attributes"], given); !s.ok()) return s.error();
    for (const auto& [k, v] : given) (*q)->attributes[k] = v;
    (*q)->modified_s = now_ms / 1000;
    if (auto s = store->put_queue(**q); !s.ok()) return s.error();
    return json::object();
  }

  Result<json> get_queue_attributes(const json& req, int64_t now_ms) {
    auto q = queue_of(req);
    if (!q.ok()) return q.error();
    auto names = string_list(req, "AttributeNames");
    if (!names.ok()) return names.error();
    QueueRecord& rec = **q;
    expire(rec, now_ms);
    int64_t visible = 0, in_flight = 0, delayed = 0;
    for (const auto& [_, m] : rec.messages) {
      if (m.visible_at_ms <= now_ms) ++visible;
      else if (m.receive_count == 0) ++delayed;
      else ++in_flight;
    }
    std::map<std::string, std::string> all = rec.attributes;
    all["QueueArn"] = "arn:aws:sqs:" + options.region + ":" + kAccount + ":" + rec.name;
    all["ApproximateNumberOfMessages"] = std::to_string(visible);
    all["ApproximateNumberOfMessagesNotVisible"] = std::to_string(in_flight);
    all["ApproximateNumberOfMessagesDelayed"] = std::to_string(delayed);
    all["CreatedTimestamp"] = std::to_string(rec.created_s);
    all["LastModifiedTimestamp"] = std::to_string(rec.modified_s);
    json attrs = json::object();
    for (const auto& n : *names) {
      if (n == "All") {
        for (const auto& [k, v] : all) attrs[k] = v;
      } else if (all.count(n)) {
        attrs[n] = all[n];
      } else if (!kInertAttributes.count(n)) {
        return sqs_err("InvalidAttributeName", "Unknown Attribute " + n + ".");
      }
    }
    json out = json::object();
    if (!attrs.empty()) out["Attributes"] = attrs;
    return out;
  }

  // Enqueues one message; returns it (the caller notifies long polls).
  Result<const QueuedMessage*> enqueue(QueueRecord& q, const std::string& body, int64_t delay_s, int64_t now_ms) {
    QueuedMessage m;
    m.id = new_uuid();
    m.seq = next_seq++;
    m.body = body;
    m.md5 = md5_hex(body);
    m.sent_ms = now_ms;
    m.visible_at_ms = now_ms + delay_s * 1000;
    if (auto s = store->put_messages(q.name, {&m}); !s.ok()) return s.error();
    auto [it, _] = q.messages.emplace(m.seq, std::move(m));
    return &it->second;
  }

  Result<json> send_message(const json& req, int64_t now_ms) {
    auto q = queue_of(req);
    if (!q.ok()) return q.error();
    auto body = string_param(req, "MessageBody");
    if (!body.ok()) return body.error();
    if (body->empty()) return sqs_err("MissingParameter", "The request must contain the parameter MessageBody.");
    if (static_cast<int64_t>(body->size()) > attr(**q, "MaximumMessageSize"))
      return sqs_err("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than " +
                                                  std::to_string(attr(**q, "MaximumMessageSize")) + " bytes.");
    for (unsigned char c : *body)
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        return sqs_err("InvalidMessageContents", "Invalid binary character '#x" + std::to_string(c) +
                                                     "' was found in the message body.");
    for (const char* unsupported : {"MessageAttributes", "MessageSystemAttributes", "MessageDeduplicationId"}) {
      if (req.contains(unsupported) && !req[unsupported].empty())
        return sqs_err("UnsupportedOperation",
                       std::string(unsupported) + " is not supported by the ebbflow local cloud.");
    }
    auto delay = int_param(req, "DelaySeconds", 0, 900, attr(**q, "DelaySeconds"));
    if (!delay.ok()) return delay.error();
    auto m = enqueue(**q, *body, *delay, now_ms);
    if (!m.ok()) return m.error();
    return json{{"MD5OfMessageBody", (*m)->md5}, {"MessageId", (*m)->id}};
  }

  Result<json> receive_message(const json& req, int64_t now_ms, Wait* wait) {
    auto q = queue_of(req);
    if (!q.ok()) return q.error();
    QueueRecord& rec = **q;
    auto max = int_param(req, "MaxNumberOfMessages", 1, kMaxBatch, 1);
    if (!max.ok()) return max.error();
    auto vt = int_param(req, "VisibilityTimeout", 0, 43200, attr(rec, "VisibilityTimeout"));
    if (!vt.ok()) return vt.error();
    auto wait_s = int_param(req, "WaitTimeSeconds", 0, 20, attr(rec, "ReceiveMessageWaitTimeSeconds"));
    if (!wait_s.ok()) return wait_s.error();
    std::set<std::string> wanted;
    for (const char* list : {"AttributeNames", "MessageSystemAttributeNames"}) {
      auto names = string_list(req, list);
      if (!names.ok()) return names.error();
      for (const auto& n : *names) {
        if (n == "All") {
          for (const char* a : kMessageSystemAttributes) wanted.insert(a);
        } else {
          wanted.insert(n);  // unknown names are ignored, as SQS does
        }
      }
    }
    expire(rec, now_ms);

    std::vector<const QueuedMessage*> taken;
    int64_t next_visible = kNever;
    for (auto& [_, m] : rec.messages) {
      if (m.visible_at_ms > now_ms) {
        next_visible = std::min(next_visible, m.visible_at_ms);
        continue;
      }
      if (static_cast<int64_t>(taken.size()) >= *max) break;
      ++m.receive_count;
      if (m.first_receive_ms == 0) m.first_receive_ms = now_ms;
      m.visible_at_ms = now_ms + *vt * 1000;
      m.nonce = random_hex(24);
      taken.push_back(&m);
    }
    if (taken.empty()) {
      if (wait) *wait = Wait{*wait_s, next_visible};
      return json::object();
    }
    if (auto s = store->put_messages(rec.name, taken); !s.ok()) return s.error();
    json messages = json::array();
    for (const QueuedMessage* m : taken) {
      json attrs = json::object();
      for (const auto& n : wanted) {
        if (n == "SenderId") attrs[n] = "AIDAEBBFLOWLOCALCLOUD";
        if (n == "SentTimestamp") attrs[n] = std::to_string(m->sent_ms);
        if (n == "ApproximateReceiveCount") attrs[n] = std::to_string(m->receive_count);
        if (n == "ApproximateFirstReceiveTimestamp") attrs[n] = std::to_string(m->first_receive_ms);
      }
      json j = {{"MessageId", m->id}, {"ReceiptHandle", encode_handle(rec.name, *m)}, {"MD5OfBody", m->md5},
                {"Body", m->body}};
      if (!attrs.empty()) j["Attributes"] = attrs;
      messages.push_back(std::move(j));
    }
    return json{{"Messages", messages}};
  }

  // The message a handle names, when the handle is its current one; nullptr when the message
  // is gone or was received again since (a stale handle). Malformed handles are errors.
  Result<QueuedMessage*> current_message(QueueRecord& q, const std::string& handle) {
    auto h = decode_handle(handle);
    if (!h || h->queue != q.name) return invalid_handle(handle);
    for (auto& [_, m] : q.messages)
      if (m.id == h->message_id) return m.nonce == h->nonce ? &m : nullptr;
    return static_cast<QueuedMessage*>(nullptr);
  }

  Status delete_one(QueueRecord& q, const std::string& handle) {
    auto m = current_message(q, handle);
    if (!m.ok()) return m.error();
    if (*m == nullptr) return {};  // stale or already deleted: succeeds, as in SQS
    if (auto s = store->delete_messages({(*m)->id}); !s.ok()) return s;
    q.messages.erase((*m)->seq);
    return {};
  }

  Result<json> delete_message(const json& req) {
    auto q = queue_of(req);
    if (!q.ok()) return q.error();
    auto handle = string_param(req, "ReceiptHandle");
    if (!handle.ok()) return handle.error();
    if (auto s = delete_one(**q, *handle); !s.ok()) return s.error();
    return json::object();
  }

  Result<json> delete_message_batch(const json& req) {
    auto q = queue_of(req);
    if (!q.ok()) return q.error();
    auto entries = req.find("Entries");
    if (entries == req.end() || !entries->is_array() || entries->empty())
      return sqs_err("EmptyBatchRequest", "There should be at least one DeleteMessageBatchRequestEntry in the request.");
    if (entries->size() > kMaxBatch)
      return sqs_err("TooManyEntriesInBatchRequest",
                     "Maximum number of entries per request are 10. You have sent " + std::to_string(entries->size()) + ".");
    std::set<std::string> ids;
    for (const auto& e : *entries) {
      std::string id = e.is_object() && e.contains("Id") && e["Id"].is_string() ? e["Id"].get<std::string>() : "";
      if (!valid_name(id, 80))
        return sqs_err("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and "
                                              "underscores. It can be at most 80 letters long.");
      if (!ids.insert(id).second)
        return sqs_err("BatchEntryIdsNotDistinct", "Id " + id + " repeated.");
    }
    json ok = json::array(), failed = json::array();
    for (const auto& e : *entries) {
      std::string id = e["Id"].get<std::string>();
      std::string handle = e.contains("ReceiptHandle") && e["ReceiptHandle"].is_string()
                               ? e["ReceiptHandle"].get<std::string>()
                               : "";
      auto s = delete_one(**q, handle);
      if (s.ok()) {
        ok.push_back({{"Id", id}});
      } else if (s.error().kind == ErrorKind::kInternal) {
        return s.error();
      } else {
        failed.push_back({{"Id", id}, {"SenderFault", true}, {"Code", s.error().code}, {"Message", s.error().message}});
      }
    }
    json out = {{"Successful", ok}};
    if (!failed.empty()) out["Failed"] = failed;
    return out;
  }

  Result<json> change_message_visibility(const json& req, int64_t now_ms) {
    auto q = queue_of(req);
    if (!q.ok()) return q.error();
    auto handle = string_param(req, "ReceiptHandle");
    if (!handle.ok()) return handle.error();
    auto vt = int_param(req, "VisibilityTimeout", 0, 43200, -1);
    if (!vt.ok()) return vt.error();
    if (*vt < 0) return sqs_err("MissingParameter", "The request must contain the parameter VisibilityTimeout.");
    auto m = current_message(**q, *handle);
    if (!m.ok()) return m.error();
    if (*m == nullptr)
      return sqs_err("InvalidParameterValue", "Value " + *handle +
                                                  " for parameter ReceiptHandle is invalid. Reason: Message does not "
                                                  "exist or is not available for visibility timeout change.");
    if ((*m)->visible_at_ms <= now_ms)
      return sqs_err("MessageNotInflight", "Message is not in flight: its visibility timeout has expired.");
    (*m)->visible_at_ms = now_ms + *vt * 1000;
    if (auto s = store->put_messages((*q)->name, {*m}); !s.ok()) return s.error();
    return json::object();
  }

  Result<json> purge_queue(const json& req) {
    auto q = queue_of(req);
    if (!q.ok()) return q.error();
    if (auto s = store->purge((*q)->name); !s.ok()) return s.error();
    (*q)->messages.clear();
    return json::object();
  }

  Result<json> dispatch(const std::string& op, const json& req, int64_t now_ms, Wait* wait) {
    if (op == "CreateQueue") return create_queue(req, now_ms);
    if (op == "GetQueueUrl") return get_queue_url(req);
    if (op == "ListQueues") return list_queues(req);
    if (op == "DeleteQueue") return delete_queue(req);
    if (op == "GetQueueAttributes") return get_queue_attributes(req, now_ms);
    if (op == "SetQueueAttributes") return set_queue_attributes(req, now_ms);
    if (op == "SendMessage") return send_message(req, now_ms);
    if (op == "ReceiveMessage") return receive_message(req, now_ms, wait);
    if (op == "DeleteMessage") return delete_message(req);
    if (op == "DeleteMessageBatch") return delete_message_batch(req);
    if (op == "ChangeMessageVisibility") return change_message_visibility(req, now_ms);
    if (op == "PurgeQueue") return purge_queue(req);
    return make_error(ErrorKind::kGiveUp, "UnknownOperationException", "");
  }
};

Result<std::unique_ptr<QueueService>> QueueService::open(QueueServiceOptions options) {
  auto store = QueueStore::open(options.db_path);
  if (!store.ok()) return store.error();
  auto loaded = (*store)->load();
  if (!loaded.ok()) return loaded.error();
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->store = std::move(*store);
  for (auto& q : *loaded) {
    for (const auto& [seq, _] : q.messages) impl->next_seq = std::max(impl->next_seq, seq + 1);
    std::string name = q.name;
    impl->queues[name] = std::move(q);
  }
  return std::unique_ptr<QueueService>(new QueueService(std::move(impl)));
}

QueueService::QueueService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
QueueService::~QueueService() = default;

JsonReply QueueService::handle(const std::string& operation, const nlohmann::json& request, int64_t now_ms) {
  return run(operation, request, [now_ms] { return now_ms; }, false);
}

JsonReply QueueService::handle_blocking(const std::string& operation, const nlohmann::json& request,
                                        const std::function<int64_t()>& clock) {
  return run(operation, request, clock, true);
}

JsonReply QueueService::run(const std::string& operation, const nlohmann::json& request,
                            const std::function<int64_t()>& clock, bool may_wait) {
  if (!request.is_object())
    return json_error_reply("com.amazon.coral.service#SerializationException", "The request body must be a JSON object.");
  std::unique_lock lock(mu_);
  int64_t deadline = -1;
  while (true) {
    int64_t now = clock();
    Impl::Wait wait;
    Result<nlohmann::json> result = nlohmann::json();
    try {
      result = impl_->dispatch(operation, request, now, &wait);
    } catch (const nlohmann::json::exception& e) {  // a member of the wrong type; nothing changed yet
      return to_reply(sqs_err("InvalidParameterValue", std::string("a request member has the wrong type: ") + e.what()));
    }
    if (operation == "SendMessage" || operation == "ChangeMessageVisibility") cv_.notify_all();
    if (!result.ok()) {
      if (result.error().code == "UnknownOperationException")
        return json_error_reply("com.amazon.coral.service#UnknownOperationException", "", "");
      return to_reply(result.error());
    }
    if (deadline < 0) deadline = now + wait.wait_s * 1000;
    if (!may_wait || wait.wait_s == 0 || now >= deadline || shutting_down_) return JsonReply{200, std::move(*result), {}};
    // Nothing yet: sleep with the lock released until a send/visibility change notifies, a
    // message of this queue becomes visible by itself, or the wait is over.
    int64_t wake = std::min(deadline, wait.next_visible_ms);
    cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, wake - now)));
  }
}

Status QueueService::publish_to_topic(const std::string& topic_arn, const std::string& subject,
                                      const std::string& message_json, int64_t now) {
  std::string name = topic_arn.substr(topic_arn.rfind(':') + 1);
  std::lock_guard lock(mu_);
  auto it = impl_->queues.find(name);
  if (it == impl_->queues.end()) {
    if (impl_->options.log)
      impl_->options.log({{"event", "sns-drop"}, {"topic", topic_arn}, {"reason", "no queue named " + name}});
    return {};
  }
  std::string id = new_uuid();
  nlohmann::ordered_json env;
  env["Type"] = "Notification";
  env["MessageId"] = id;
  env["TopicArn"] = topic_arn;
  if (!subject.empty()) env["Subject"] = subject;
  env["Message"] = message_json;
  env["Timestamp"] = iso_time_ms(now * 1000);
  env["SignatureVersion"] = "1";
  env["Signature"] = "EBBFLOWLOCALCLOUD";
  env["SigningCertURL"] = impl_->options.endpoint + "/_sns/SimpleNotificationService-local.pem";
  env["UnsubscribeURL"] = impl_->options.endpoint + "/_sns/unsubscribe?SubscriptionArn=" + topic_arn + ":local";
  auto m = impl_->enqueue(it->second, env.dump(), impl_->attr(it->second, "DelaySeconds"), now * 1000);
  if (!m.ok()) return m.error();
  cv_.notify_all();
  return {};
}

void QueueService::shutdown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

int64_t QueueService::message_count(const std::string& queue_name) {
  std::lock_guard lock(mu_);
  auto it = impl_->queues.find(queue_name);
  return it == impl_->queues.end() ? -1 : static_cast<int64_t>(it->second.messages.size());
}

}  // namespace ebbflow::cloud
