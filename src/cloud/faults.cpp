#include "cloud/faults.h"

#include <algorithm>
#include <map>

namespace ebbflow::cloud {

namespace {

// Scheduled event codes EC2 uses, with the descriptions it shows for them.
const std::map<std::string, std::string>& event_descriptions() {
  static const std::map<std::string, std::string> m = {
      {"instance-retirement", "The instance is running on degraded hardware"},
      {"system-maintenance", "Scheduled system maintenance"},
      {"instance-reboot", "The instance is scheduled for a reboot"},
      {"system-reboot", "The instance is scheduled for a system reboot"},
      {"instance-stop", "The instance is scheduled to be stopped"}};
  return m;
}

constexpr int64_t kEventLeadSeconds = 86400;  // EC2 schedules events days ahead; one day here

}  // namespace

nlohmann::json to_json(const Fault& f) {
  return nlohmann::json{{"id", f.id},         {"kind", f.kind},
                        {"code", f.code},     {"message", f.message},
                        {"action", f.action}, {"instance_type", f.instance_type},
                        {"count", f.remaining},
                        {"instance_id", f.instance_id},
                        {"check", f.check},
                        {"since", f.since},
                        {"delay_s", f.delay_s}};
}

Result<Fault> fault_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return make_error(ErrorKind::kInvalidInput, "InvalidFault", "a fault must be a JSON object");
  Fault f;
  try {
    f.id = j.value("id", int64_t{0});
    f.kind = j.value("kind", std::string());
    f.code = j.value("code", std::string());
    f.message = j.value("message", std::string());
    f.action = j.value("action", std::string());
    f.instance_type = j.value("instance_type", std::string());
    f.remaining = j.value("count", 1);
    f.instance_id = j.value("instance_id", std::string());
    f.check = j.value("check", std::string());
    f.since = j.value("since", int64_t{0});
    f.delay_s = j.value("delay_s", 0);
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorKind::kInvalidInput, "InvalidFault", std::string("bad fault field: ") + e.what());
  }
  if (f.kind == "fail-launch") {
    if (f.code.empty()) f.code = "InsufficientInstanceCapacity";
    if (f.message.empty()) {
      f.message = "We currently do not have sufficient " + (f.instance_type.empty() ? "" : f.instance_type + " ") +
                  "capacity in the Availability Zone you requested.";
    }
  } else if (f.kind == "throttle") {
    if (f.code.empty()) f.code = "RequestLimitExceeded";
    if (f.message.empty()) f.message = "Request limit exceeded.";
  } else if (f.kind == "server-error") {
    if (f.code.empty()) f.code = "InternalError";
    if (f.message.empty()) f.message = "An internal error has occurred";
  } else if (f.kind == "slow-reply") {
    if (f.delay_s < 1 || f.delay_s > 600) {
      return make_error(ErrorKind::kInvalidInput, "InvalidFault", "slow-reply needs delay_s between 1 and 600");
    }
  } else if (f.kind == "never-bootstrap") {
    // No error to answer with: the launch succeeds, the instance just never becomes a node.
  } else if (f.kind == "impaired-status" || f.kind == "scheduled-event") {
    if (f.instance_id.rfind("i-", 0) != 0) {
      return make_error(ErrorKind::kInvalidInput, "InvalidFault", f.kind + " needs an instance_id (i-...)");
    }
    if (f.kind == "impaired-status") {
      if (f.check.empty()) f.check = "instance";
      if (f.check != "instance" && f.check != "system") {
        return make_error(ErrorKind::kInvalidInput, "InvalidFault",
                          "impaired-status check must be 'instance' or 'system', not '" + f.check + "'");
      }
    } else {
      auto it = event_descriptions().find(f.code);
      if (it == event_descriptions().end()) {
        return make_error(ErrorKind::kInvalidInput, "InvalidFault",
                          "unknown scheduled event code '" + f.code +
                              "' (instance-retirement, system-maintenance, instance-reboot, system-reboot, "
                              "instance-stop)");
      }
      if (f.message.empty()) f.message = it->second;
    }
    f.remaining = -1;  // a state, not a count
  } else {
    return make_error(ErrorKind::kInvalidInput, "InvalidFault",
                      "unknown fault kind '" + f.kind +
                          "' (fail-launch, throttle, server-error, slow-reply, never-bootstrap, impaired-status, scheduled-event)");
  }
  if (f.remaining == 0 || f.remaining < -1) {
    return make_error(ErrorKind::kInvalidInput, "InvalidFault", "count must be positive or -1 (until cleared)");
  }
  return f;
}

int64_t FaultTable::add(Fault f) {
  f.id = next_id_++;
  faults_.push_back(std::move(f));
  return faults_.back().id;
}

void FaultTable::restore(std::vector<Fault> faults) {
  faults_ = std::move(faults);
  for (const auto& f : faults_) next_id_ = std::max(next_id_, f.id + 1);
}

std::optional<InjectedError> FaultTable::fire(size_t index, int http_status) {
  Fault& f = faults_[index];
  InjectedError err{f.code, f.message, http_status};
  if (f.remaining > 0 && --f.remaining == 0) faults_.erase(faults_.begin() + static_cast<long>(index));
  return err;
}

std::optional<InjectedError> FaultTable::on_request(const std::string& action) {
  for (size_t i = 0; i < faults_.size(); ++i) {
    const Fault& f = faults_[i];
    if (f.kind != "throttle" && f.kind != "server-error") continue;
    if (!f.action.empty() && f.action != action) continue;
    return fire(i, 503);  // both are "retry later" answers
  }
  return std::nullopt;
}

std::optional<InjectedError> FaultTable::on_launch(const std::string& instance_type) {
  for (size_t i = 0; i < faults_.size(); ++i) {
    const Fault& f = faults_[i];
    if (f.kind != "fail-launch") continue;
    if (!f.instance_type.empty() && f.instance_type != instance_type) continue;
    // Capacity errors are client-visible 400s on EC2 (the request was valid, the pool empty).
    int status = f.code == "InternalError" || f.code == "ServiceUnavailable" ? 503 : 400;
    return fire(i, status);
  }
  return std::nullopt;
}

int FaultTable::on_reply(const std::string& action) {
  for (size_t i = 0; i < faults_.size(); ++i) {
    const Fault& f = faults_[i];
    if (f.kind != "slow-reply") continue;
    if (!f.action.empty() && f.action != action) continue;
    int delay = f.delay_s;
    fire(i, 0);
    return delay;
  }
  return 0;
}

bool FaultTable::on_instance_start(const std::string& instance_type) {
  for (size_t i = 0; i < faults_.size(); ++i) {
    const Fault& f = faults_[i];
    if (f.kind != "never-bootstrap") continue;
    if (!f.instance_type.empty() && f.instance_type != instance_type) continue;
    fire(i, 0);
    return true;
  }
  return false;
}

InjectedStatus FaultTable::status_of(const std::string& instance_id) const {
  InjectedStatus s;
  for (const Fault& f : faults_) {
    if (f.instance_id != instance_id) continue;
    if (f.kind == "impaired-status") {
      int64_t& since = f.check == "system" ? s.system_impaired_since : s.instance_impaired_since;
      if (since == 0 || f.since < since) since = std::max<int64_t>(f.since, 1);
    } else if (f.kind == "scheduled-event") {
      s.events.push_back({f.code, f.message, f.since + kEventLeadSeconds});
    }
  }
  return s;
}

bool FaultTable::forget_instance(const std::string& instance_id) {
  auto before = faults_.size();
  std::erase_if(faults_, [&](const Fault& f) {
    return (f.kind == "impaired-status" || f.kind == "scheduled-event") && f.instance_id == instance_id;
  });
  return faults_.size() != before;
}

}  // namespace ebbflow::cloud
