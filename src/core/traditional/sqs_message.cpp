#include "core/traditional/sqs_message.h"

#include <algorithm>
#include <map>
#include <optional>

// nlohmann/json is header-only: parsing a message body stays pure (no I/O, nothing linked).
#include <nlohmann/json.hpp>

namespace ebbflow::core {

const char* to_string(MessageKind kind) {
  switch (kind) {
    case MessageKind::kAdd: return "ADD";
    case MessageKind::kRemove: return "REMOVE";
    case MessageKind::kIgnore: return "IGNORE";
    case MessageKind::kMalformed: return "MALFORMED";
  }
  return "?";
}

namespace {

using nlohmann::json;

HostMessage malformed(std::string reason, std::string event = "") {
  HostMessage m;
  m.kind = MessageKind::kMalformed;
  m.event = std::move(event);
  m.reason = std::move(reason);
  return m;
}

HostMessage ignored(std::string reason, std::string event) {
  HostMessage m;
  m.kind = MessageKind::kIgnore;
  m.event = std::move(event);
  m.reason = std::move(reason);
  return m;
}

// A hostname that can go into a scheduler's argv: letters, digits, '-' and '_'.
bool valid_short_hostname(const std::string& h) {
  if (h.empty() || h.size() > 63 || h.front() == '-') return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// Required non-empty string field; "" and a reason when absent or of the wrong type.
std::string string_field(const json& j, const char* name, std::string* error) {
  auto it = j.find(name);
  if (it == j.end()) {
    *error = std::string("missing ") + name;
    return "";
  }
  if (!it->is_string() || it->get<std::string>().empty()) {
    *error = std::string(name) + " must be a non-empty string";
    return "";
  }
  return it->get<std::string>();
}

// Slots: a decimal string (the compute-ready template sends "4") or a number; >= 1.
int slots_field(const json& j, std::string* error) {
  auto it = j.find("Slots");
  if (it == j.end()) {
    *error = "missing Slots";
    return 0;
  }
  long long v = 0;
  if (it->is_number_integer()) {
    v = it->get<long long>();
  } else if (it->is_string()) {
    const std::string s = it->get<std::string>();
    if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      *error = "Slots must be a positive integer, got \"" + s + "\"";
      return 0;
    }
    v = std::stoll(s);
  } else {
    *error = "Slots must be a positive integer";
    return 0;
  }
  if (v < 1 || v > 100000) {
    *error = "Slots must be between 1 and 100000, got " + std::to_string(v);
    return 0;
  }
  return static_cast<int>(v);
}

HostMessage from_inner(const json& inner) {
  if (!inner.is_object()) return malformed("the notification Message is not a JSON object");
  auto ev = inner.find("Event");
  if (ev == inner.end()) return ignored("no Event in the notification", "");
  if (!ev->is_string()) return malformed("Event must be a string");
  const std::string event = ev->get<std::string>();
  std::string error;
  if (event == kEventComputeReady) {
    HostMessage m;
    m.kind = MessageKind::kAdd;
    m.event = event;
    m.instance_id = string_field(inner, "EC2InstanceId", &error);
    if (!error.empty()) return malformed(event + ": " + error, event);
    const std::string fqdn = string_field(inner, "LocalHostname", &error);
    if (!error.empty()) return malformed(event + ": " + error, event);
    m.hostname = fqdn.substr(0, fqdn.find('.'));
    if (!valid_short_hostname(m.hostname))
      return malformed(event + ": LocalHostname \"" + fqdn + "\" does not start with a valid host name", event);
    m.slots = slots_field(inner, &error);
    if (!error.empty()) return malformed(event + ": " + error, event);
    auto type = inner.find("EC2InstanceType");
    if (type != inner.end() && type->is_string()) m.instance_type = type->get<std::string>();
    return m;
  }
  if (event == kEventInstanceTerminate) {
    HostMessage m;
    m.kind = MessageKind::kRemove;
    m.event = event;
    m.instance_id = string_field(inner, "EC2InstanceId", &error);
    if (!error.empty()) return malformed(event + ": " + error, event);
    return m;
  }
  if (event == kEventInstanceLaunch)
    return ignored("launch notifications are not acted on: an instance joins when it reports ready", event);
  return ignored("unsupported event type \"" + event + "\"", event);
}

}  // namespace

HostMessage parse_host_message(const std::string& body) {
  json outer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (outer.is_discarded()) return malformed("the message body is not JSON");
  if (!outer.is_object()) return malformed("the message body is not a JSON object");
  auto msg = outer.find("Message");
  if (msg != outer.end()) {
    if (msg->is_object()) return from_inner(*msg);
    if (!msg->is_string()) return malformed("the SNS envelope's Message must be a string");
    json inner = json::parse(msg->get<std::string>(), nullptr, false);
    if (inner.is_discarded()) return malformed("the SNS envelope's Message is not JSON");
    return from_inner(inner);
  }
  if (outer.contains("Event") || outer.contains("EC2InstanceId")) return from_inner(outer);  // un-enveloped
  if (outer.contains("Type")) return malformed("SNS envelope without a Message");
  return ignored("no Event in the message", "");
}

BatchPlan plan_batch(const std::vector<HostMessage>& messages, const std::vector<std::string>& message_ids) {
  BatchPlan plan;
  const size_t n = messages.size();
  std::vector<bool> alive(n, true);
  auto supersede = [&](size_t i) {
    if (alive[i]) plan.superseded.push_back(i);
    alive[i] = false;
  };
  // 1. The same message delivered twice in one batch: keep the later copy.
  std::map<std::string, size_t> last_by_id;
  for (size_t i = 0; i < n; ++i) {
    const std::string id = i < message_ids.size() ? message_ids[i] : "";
    if (id.empty()) continue;
    auto [it, inserted] = last_by_id.emplace(id, i);
    if (!inserted) {
      supersede(it->second);
      it->second = i;
    }
  }
  // 2. Nothing to act on.
  for (size_t i = 0; i < n; ++i)
    if (alive[i] && (messages[i].kind == MessageKind::kIgnore || messages[i].kind == MessageKind::kMalformed)) {
      plan.other.push_back(i);
      alive[i] = false;
    }
  // 3. Per instance: REMOVE beats ADD; the last of a kind wins.
  std::map<std::string, std::vector<size_t>> by_instance;
  for (size_t i = 0; i < n; ++i)
    if (alive[i]) by_instance[messages[i].instance_id].push_back(i);
  std::map<size_t, std::string> hint;
  for (auto& [instance, idx] : by_instance) {
    std::optional<size_t> last_remove, last_add;
    for (size_t i : idx) (messages[i].kind == MessageKind::kRemove ? last_remove : last_add) = i;
    const size_t keep = last_remove ? *last_remove : *last_add;
    if (last_remove && last_add) hint[keep] = messages[*last_add].hostname;
    for (size_t i : idx)
      if (i != keep) supersede(i);
  }
  // 4. ADDs of different instances under one hostname: the last one wins.
  std::map<std::string, size_t> add_by_host;
  for (size_t i = 0; i < n; ++i) {
    if (!alive[i] || messages[i].kind != MessageKind::kAdd) continue;
    auto [it, inserted] = add_by_host.emplace(messages[i].hostname, i);
    if (!inserted) {
      supersede(it->second);
      it->second = i;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (!alive[i]) continue;
    if (messages[i].kind == MessageKind::kRemove) {
      plan.removes.push_back(i);
      auto h = hint.find(i);
      plan.remove_hostname_hint.push_back(h == hint.end() ? "" : h->second);
    } else {
      plan.adds.push_back(i);
    }
  }
  std::sort(plan.superseded.begin(), plan.superseded.end());
  return plan;
}

RetryDecision decide_retry(int receive_count, const RetryPolicy& policy) {
  RetryDecision d;
  if (receive_count >= policy.max_receive_count) return d;
  d.retry = true;
  const int exponent = std::clamp(receive_count - 1, 0, 20);
  const long long backoff = static_cast<long long>(policy.base_backoff_s) << exponent;
  d.visibility_timeout_s = static_cast<int>(std::min<long long>(backoff, policy.max_backoff_s));
  return d;
}

}  // namespace ebbflow::core
