#include "cloud/faults.h"

#include <algorithm>

namespace ebbflow::cloud {

nlohmann::json to_json(const Fault& f) {
  return nlohmann::json{{"id", f.id},         {"kind", f.kind},
                        {"code", f.code},     {"message", f.message},
                        {"action", f.action}, {"instance_type", f.instance_type},
                        {"count", f.remaining}};
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
  } else {
    return make_error(ErrorKind::kInvalidInput, "InvalidFault",
                      "unknown fault kind '" + f.kind + "' (fail-launch, throttle, server-error)");
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

}  // namespace ebbflow::cloud
