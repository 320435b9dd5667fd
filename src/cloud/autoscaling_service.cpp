// AutoScalingService: opening, dispatch and the API actions. Reconciliation is in
// autoscaling_reconcile.cpp. Error codes and messages follow what AWS answers.
#include "cloud/autoscaling_service.h"

#include <algorithm>
#include <filesystem>

#include "cloud/autoscaling_xml.h"
#include "cloud/ec2_xml.h"

namespace ebbflow::cloud {

namespace {

AsgReply error(const std::string& code, const std::string& message, const std::string& rid, int status = 400) {
  return {status, render_asg_error(code, message, rid, status < 500)};
}
AsgReply validation(const std::string& message, const std::string& rid) {
  return error("ValidationError", message, rid);
}
AsgReply not_found(const std::string& name, const std::string& rid) {
  return validation("AutoScalingGroup name not found - AutoScalingGroup " + name + " not found", rid);
}
AsgReply ok(const std::string& action, const std::string& rid, const std::string& result = "") {
  return {200, render_asg_response(action, rid, result)};
}

// An integer parameter: nullopt when absent, a ValidationError reply when not an integer.
std::optional<AsgReply> int_param(const QueryParams& p, const std::string& name, std::optional<int>* out,
                                  const std::string& rid) {
  auto v = p.get(name);
  if (!v) return std::nullopt;
  try {
    size_t used = 0;
    long long n = std::stoll(*v, &used);
    if (used != v->size() || n < INT32_MIN || n > INT32_MAX) throw std::invalid_argument(*v);
    *out = static_cast<int>(n);
    return std::nullopt;
  } catch (const std::exception&) {
    return validation("Value '" + *v + "' at '" + name + "' failed to satisfy constraint: Member must be an integer",
                      rid);
  }
}

// AWS's wording for a missing required parameter.
AsgReply missing(const std::string& member, const std::string& rid) {
  std::string camel = member;
  camel[0] = static_cast<char>(std::tolower(camel[0]));
  return validation("1 validation error detected: Value null at '" + camel +
                        "' failed to satisfy constraint: Member must not be null",
                    rid);
}

bool known_notification_type(const std::string& t) {
  return t == kAsgLaunch || t == kAsgLaunchError || t == kAsgTerminate || t == kAsgTerminateError ||
         t == kAsgTestNotification;
}

// MaxRecords: 1..100, default 50 (AWS's limits).
std::optional<AsgReply> page_size(const QueryParams& p, size_t* out, const std::string& rid) {
  std::optional<int> n;
  if (auto bad = int_param(p, "MaxRecords", &n, rid)) return bad;
  *out = 50;
  if (!n) return std::nullopt;
  if (*n < 1 || *n > 100) {
    return validation("1 validation error detected: Value '" + std::to_string(*n) +
                          "' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and 100",
                      rid);
  }
  *out = static_cast<size_t>(*n);
  return std::nullopt;
}

// The group's tag filter (Filters.member.N.Name = tag-key | tag-value | tag:<key>): true if
// `g` matches every filter (any of a filter's values).
bool matches_filters(const AsgGroup& g, const QueryParams& p) {
  for (int i : p.indices("Filters.member")) {
    std::string base = "Filters.member." + std::to_string(i);
    std::string name = p.get_or(base + ".Name", "");
    auto values = p.list(base + ".Values.member");
    auto any = [&](auto pred) {
      for (const auto& [k, t] : g.tags) {
        for (const auto& v : values) {
          if (pred(k, t.value, v)) return true;
        }
      }
      return false;
    };
    bool hit = true;
    if (name == "tag-key") {
      hit = any([](auto& k, auto&, auto& v) { return k == v; });
    } else if (name == "tag-value") {
      hit = any([](auto&, auto& val, auto& v) { return val == v; });
    } else if (name.rfind("tag:", 0) == 0) {
      std::string key = name.substr(4);
      hit = any([&](auto& k, auto& val, auto& v) { return k == key && val == v; });
    } else if (name == "auto-scaling-group") {
      hit = std::count(values.begin(), values.end(), g.name) > 0;
    }
    if (!hit) return false;
  }
  return true;
}

std::string capacity_message(int desired, int min, int max) {
  return "Desired capacity:" + std::to_string(desired) + " must be between the specified min size:" +
         std::to_string(min) + " and max size:" + std::to_string(max);
}

std::string bounds_message(int min, int max) {
  return "Max bound, " + std::to_string(max) + ", must be greater than or equal to min bound, " + std::to_string(min);
}

}  // namespace

AutoScalingService::AutoScalingService(AutoScalingOptions options, LocalCloud* cloud, std::unique_ptr<AsgStore> store,
                                       AsgNotificationSink sink, AsgLog log)
    : options_(std::move(options)), cloud_(cloud), store_(std::move(store)), sink_(std::move(sink)),
      log_(std::move(log)) {}

Result<std::unique_ptr<AutoScalingService>> AutoScalingService::open(AutoScalingOptions options, LocalCloud* cloud,
                                                                     AsgNotificationSink sink, AsgLog log) {
  auto path = (std::filesystem::path(options.state_dir) / "autoscaling.db").string();
  auto store = AsgStore::open(path);
  if (!store.ok()) return store.error();
  auto groups = (*store)->load();
  if (!groups.ok()) return groups.error();
  std::unique_ptr<AutoScalingService> svc(
      new AutoScalingService(std::move(options), cloud, std::move(*store), std::move(sink), std::move(log)));
  for (auto& g : *groups) svc->groups_[g.name] = std::move(g);
  return svc;
}

void AutoScalingService::set_sink(AsgNotificationSink sink) {
  std::lock_guard lock(mu_);
  sink_ = std::move(sink);
}

void AutoScalingService::persist(const AsgGroup& g) {
  // The in-memory state stays authoritative for this run if a write fails; it is logged.
  if (auto s = store_->put(g); !s.ok() && log_) {
    log_({{"event", "autoscaling-store-error"}, {"message", s.error().message}});
  }
}

AsgReply AutoScalingService::handle(const QueryParams& p, int64_t now, const std::string& rid) {
  std::lock_guard lock(mu_);
  auto action = p.get("Action");
  if (!action) return error("MissingAction", "The request must contain the parameter Action", rid);
  return dispatch(*action, p, now, rid);
}

AsgReply AutoScalingService::dispatch(const std::string& action, const QueryParams& p, int64_t now,
                                      const std::string& rid) {
  if (action == "CreateAutoScalingGroup") return create_group(p, now, rid);
  if (action == "DescribeAutoScalingGroups") return describe_groups(p, rid);
  if (action == "SetDesiredCapacity") return set_desired_capacity(p, now, rid);
  if (action == "UpdateAutoScalingGroup") return update_group(p, now, rid);
  if (action == "TerminateInstanceInAutoScalingGroup") return terminate_instance(p, now, rid);
  if (action == "DeleteAutoScalingGroup") return delete_group(p, now, rid);
  if (action == "PutNotificationConfiguration") return put_notification_configuration(p, now, rid);
  if (action == "DescribeNotificationConfigurations") return describe_notification_configurations(p, rid);
  return error("InvalidAction", "Could not find operation " + action + " for version 2011-01-01", rid);
}

AsgReply AutoScalingService::create_group(const QueryParams& p, int64_t now, const std::string& rid) {
  auto name = p.get("AutoScalingGroupName");
  if (!name || name->empty()) return missing("AutoScalingGroupName", rid);
  if (name->find(':') != std::string::npos) {
    return validation("AutoScalingGroup name can not contain ':' - " + *name, rid);
  }
  std::optional<int> min, max, desired;
  if (auto bad = int_param(p, "MinSize", &min, rid)) return *bad;
  if (auto bad = int_param(p, "MaxSize", &max, rid)) return *bad;
  if (auto bad = int_param(p, "DesiredCapacity", &desired, rid)) return *bad;
  if (!min) return missing("MinSize", rid);
  if (!max) return missing("MaxSize", rid);
  if (groups_.count(*name)) {
    return error("AlreadyExists", "AutoScalingGroup by this name already exists - A group with the name " + *name +
                                      " already exists",
                 rid);
  }
  auto lt_name = p.get("LaunchTemplate.LaunchTemplateName");
  if (!lt_name) lt_name = p.get("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName");
  std::string version = p.get_or("LaunchTemplate.Version", "$Latest");
  if (!lt_name) {
    if (p.get("LaunchTemplate.LaunchTemplateId")) {
      return validation("The local cloud supports LaunchTemplate.LaunchTemplateName only, not LaunchTemplateId", rid);
    }
    return validation("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or "
                      "MixedInstancesPolicy parameter.",
                      rid);
  }
  auto lt = cloud_->launch_template(*lt_name);
  if (!lt) {
    return validation("You must use a valid fully-formed launch template. The specified launch template, with "
                      "template name " + *lt_name + ", does not exist.",
                      rid);
  }
  if (version != "$Latest" && version != "$Default" && version != "1") {
    return validation("You must use a valid fully-formed launch template. The specified launch template version " +
                          version + " of " + *lt_name + " does not exist.",
                      rid);
  }
  if (*min < 0) return validation("Min bound, " + std::to_string(*min) + ", must be greater than or equal to 0", rid);
  if (*min > *max) return validation(bounds_message(*min, *max), rid);
  int want = desired.value_or(*min);
  if (want < *min || want > *max) return validation(capacity_message(want, *min, *max), rid);

  AsgGroup g;
  g.name = *name;
  g.arn = "arn:aws:autoscaling:" + options_.region + ":" + kAsgAccountId + ":autoScalingGroup:" + asg_activity_id() +
          ":autoScalingGroupName/" + *name;
  g.launch_template_name = lt->name;
  g.launch_template_id = lt->id;
  g.min_size = *min;
  g.max_size = *max;
  g.desired_capacity = want;
  g.created_time = now;
  for (int i : p.indices("Tags.member")) {
    std::string base = "Tags.member." + std::to_string(i);
    auto key = p.get(base + ".Key");
    if (!key || key->empty()) return missing("Tags.member." + std::to_string(i) + ".Key", rid);
    std::string propagate = p.get_or(base + ".PropagateAtLaunch", "false");
    g.tags[*key] = AsgTag{p.get_or(base + ".Value", ""), propagate == "true" || propagate == "True"};
  }
  persist(g);
  groups_[g.name] = std::move(g);
  return ok("CreateAutoScalingGroup", rid);
}

AsgReply AutoScalingService::describe_groups(const QueryParams& p, const std::string& rid) {
  size_t limit = 0;
  if (auto bad = page_size(p, &limit, rid)) return *bad;
  auto names = p.list("AutoScalingGroupNames.member");
  bool include_instances = p.get_or("IncludeInstances", "true") != "false";
  std::string items, next;
  size_t count = 0;
  for (auto it = groups_.upper_bound(p.get_or("NextToken", "")); it != groups_.end(); ++it) {
    const AsgGroup& g = it->second;
    if (!names.empty() && std::find(names.begin(), names.end(), g.name) == names.end()) continue;
    if (!matches_filters(g, p)) continue;
    if (count == limit) {
      next = std::prev(it)->first;  // resume after the last group shown (names are the sort key)
      break;
    }
    if (include_instances) {
      items += render_asg_group(g, options_.region);
    } else {
      AsgGroup copy = g;
      copy.members.clear();
      items += render_asg_group(copy, options_.region);
    }
    ++count;
  }
  std::string body = "<AutoScalingGroups>" + items + "</AutoScalingGroups>";
  if (!next.empty()) body += "<NextToken>" + xml_escape(next) + "</NextToken>";
  return ok("DescribeAutoScalingGroups", rid, body);
}

AsgReply AutoScalingService::set_desired_capacity(const QueryParams& p, int64_t now, const std::string& rid) {
  (void)now;
  auto name = p.get("AutoScalingGroupName");
  if (!name) return missing("AutoScalingGroupName", rid);
  std::optional<int> desired;
  if (auto bad = int_param(p, "DesiredCapacity", &desired, rid)) return *bad;
  if (!desired) return missing("DesiredCapacity", rid);
  auto it = groups_.find(*name);
  if (it == groups_.end()) return not_found(*name, rid);
  AsgGroup& g = it->second;
  if (g.deleting) return validation("AutoScalingGroup " + *name + " is pending delete.", rid);
  if (*desired > g.max_size) {
    return validation("New SetDesiredCapacity value " + std::to_string(*desired) + " is above max value " +
                          std::to_string(g.max_size) + " for the AutoScalingGroup.",
                      rid);
  }
  if (*desired < g.min_size) {
    return validation("New SetDesiredCapacity value " + std::to_string(*desired) + " is below min value " +
                          std::to_string(g.min_size) + " for the AutoScalingGroup.",
                      rid);
  }
  g.desired_capacity = *desired;
  persist(g);
  return ok("SetDesiredCapacity", rid);
}

AsgReply AutoScalingService::update_group(const QueryParams& p, int64_t now, const std::string& rid) {
  (void)now;
  auto name = p.get("AutoScalingGroupName");
  if (!name) return missing("AutoScalingGroupName", rid);
  std::optional<int> min, max, desired;
  if (auto bad = int_param(p, "MinSize", &min, rid)) return *bad;
  if (auto bad = int_param(p, "MaxSize", &max, rid)) return *bad;
  if (auto bad = int_param(p, "DesiredCapacity", &desired, rid)) return *bad;
  auto it = groups_.find(*name);
  if (it == groups_.end()) return not_found(*name, rid);
  AsgGroup& g = it->second;
  if (g.deleting) return validation("AutoScalingGroup " + *name + " is pending delete.", rid);
  int new_min = min.value_or(g.min_size), new_max = max.value_or(g.max_size);
  if (new_min < 0) return validation("Min bound, " + std::to_string(new_min) + ", must be greater than or equal to 0", rid);
  if (new_min > new_max) return validation(bounds_message(new_min, new_max), rid);
  int new_desired = g.desired_capacity;
  if (desired) {
    if (*desired < new_min || *desired > new_max) return validation(capacity_message(*desired, new_min, new_max), rid);
    new_desired = *desired;
  } else {
    // As on AWS: new bounds without a desired capacity pull the current one inside them.
    new_desired = std::clamp(new_desired, new_min, new_max);
  }
  std::string lt_name = p.get_or("LaunchTemplate.LaunchTemplateName", "");
  if (!lt_name.empty()) {
    auto lt = cloud_->launch_template(lt_name);
    if (!lt) {
      return validation("You must use a valid fully-formed launch template. The specified launch template, with "
                        "template name " + lt_name + ", does not exist.",
                        rid);
    }
    g.launch_template_name = lt->name;
    g.launch_template_id = lt->id;
  }
  g.min_size = new_min;
  g.max_size = new_max;
  g.desired_capacity = new_desired;
  persist(g);
  return ok("UpdateAutoScalingGroup", rid);
}

AsgReply AutoScalingService::terminate_instance(const QueryParams& p, int64_t now, const std::string& rid) {
  auto id = p.get("InstanceId");
  if (!id) return missing("InstanceId", rid);
  auto decrement_param = p.get("ShouldDecrementDesiredCapacity");
  if (!decrement_param) return missing("ShouldDecrementDesiredCapacity", rid);
  bool decrement = *decrement_param == "true" || *decrement_param == "True";
  AsgGroup* group = nullptr;
  AsgMember* member = nullptr;
  for (auto& [n, g] : groups_) {
    for (auto& m : g.members) {
      if (m.instance_id == *id) {
        group = &g;
        member = &m;
      }
    }
  }
  if (!member) return validation("Instance Id not found - No managed instance found for instance ID: " + *id, rid);
  AsgGroup& g = *group;
  AsgActivity a;
  a.activity_id = asg_activity_id();
  a.group_name = g.name;
  a.group_arn = g.arn;
  a.description = "Terminating EC2 instance: " + *id;
  a.start_time = now;
  a.details = "{\"Subnet ID\":\"\",\"Availability Zone\":\"" + options_.region + "a\"}";
  if (member->lifecycle_state == kAsgTerminating) {
    // Already on its way out (e.g. a retried call): report it again, change nothing.
    a.cause = asg_cause_time(now) + " instance " + *id + " was taken out of service in response to a user request.";
    return ok("TerminateInstanceInAutoScalingGroup", rid, "<Activity>" + render_asg_activity(a) + "</Activity>");
  }
  if (decrement && g.desired_capacity - 1 < g.min_size) {
    return validation("Currently, desiredSize equals minSize (" + std::to_string(g.min_size) +
                          "). Terminating instance without replacement will violate group's min size constraint. "
                          "Either set shouldDecrementDesiredCapacity flag to false or lower group's min size "
                          "constraint.",
                      rid);
  }
  a.cause = asg_cause_time(now) + " instance " + *id + " was taken out of service in response to a user request";
  if (decrement) {
    a.cause += ", shrinking the capacity from " + std::to_string(g.desired_capacity) + " to " +
               std::to_string(g.desired_capacity - 1) + ".";
    --g.desired_capacity;
  } else {
    a.cause += ".";
  }
  terminate_members(g, {*id}, a.cause, now);
  persist(g);
  return ok("TerminateInstanceInAutoScalingGroup", rid, "<Activity>" + render_asg_activity(a) + "</Activity>");
}

AsgReply AutoScalingService::delete_group(const QueryParams& p, int64_t now, const std::string& rid) {
  auto name = p.get("AutoScalingGroupName");
  if (!name) return missing("AutoScalingGroupName", rid);
  auto it = groups_.find(*name);
  if (it == groups_.end()) return not_found(*name, rid);
  AsgGroup& g = it->second;
  if (g.deleting) return ok("DeleteAutoScalingGroup", rid);
  bool force = p.get_or("ForceDelete", "false") == "true";
  if (!g.members.empty() && !force) {
    return error("ResourceInUse",
                 "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance "
                 "request(s) still in the group.",
                 rid);
  }
  if (g.members.empty()) {
    if (auto s = store_->remove(g.name); !s.ok()) return error("InternalFailure", s.error().message, rid, 500);
    groups_.erase(it);
    return ok("DeleteAutoScalingGroup", rid);
  }
  std::vector<std::string> live;
  for (const auto& m : g.members) {
    if (m.lifecycle_state != kAsgTerminating) live.push_back(m.instance_id);
  }
  std::string cause = asg_cause_time(now) + " a user request explicitly deleted the group, shrinking the capacity "
                      "from " + std::to_string(g.desired_capacity) + " to 0.";
  g.deleting = true;
  g.min_size = g.desired_capacity = 0;
  terminate_members(g, live, cause, now);
  persist(g);  // tick() removes the group once its last member has terminated
  return ok("DeleteAutoScalingGroup", rid);
}

AsgReply AutoScalingService::put_notification_configuration(const QueryParams& p, int64_t now,
                                                            const std::string& rid) {
  auto name = p.get("AutoScalingGroupName");
  if (!name) return missing("AutoScalingGroupName", rid);
  auto topic = p.get("TopicARN");
  if (!topic) return missing("TopicARN", rid);
  auto types = p.list("NotificationTypes.member");
  auto it = groups_.find(*name);
  if (it == groups_.end()) return not_found(*name, rid);
  for (const auto& t : types) {
    if (!known_notification_type(t)) return validation("Notification type " + t + " is not supported.", rid);
  }
  if (topic->rfind("arn:aws:sns:", 0) != 0) return validation("Invalid ARN for TopicARN: " + *topic, rid);
  AsgGroup& g = it->second;
  g.notifications[*topic] = std::set<std::string>(types.begin(), types.end());
  persist(g);
  // AWS sends a test notification to a newly configured topic; so does the local cloud.
  if (sink_) {
    nlohmann::ordered_json m = {{"AccountId", kAsgAccountId},           {"RequestId", rid},
                                {"AutoScalingGroupARN", g.arn},         {"AutoScalingGroupName", g.name},
                                {"Service", "AWS Auto Scaling"},        {"Event", kAsgTestNotification},
                                {"Time", iso8601(now)}};
    sink_(*topic, "Auto Scaling: test notification for group \"" + g.name + "\"", m.dump(), now);
  }
  return ok("PutNotificationConfiguration", rid);
}

AsgReply AutoScalingService::describe_notification_configurations(const QueryParams& p, const std::string& rid) {
  size_t limit = 0;
  if (auto bad = page_size(p, &limit, rid)) return *bad;
  auto names = p.list("AutoScalingGroupNames.member");
  std::vector<AsgNotificationRow> rows;
  for (const auto& [n, g] : groups_) {
    if (!names.empty() && std::find(names.begin(), names.end(), n) == names.end()) continue;
    for (const auto& [topic, types] : g.notifications) {
      for (const auto& t : types) rows.push_back({n, topic, t});
    }
  }
  size_t start = 0;
  if (auto token = p.get("NextToken")) {
    try {
      start = std::stoul(*token);
    } catch (const std::exception&) {
      return error("InvalidNextToken", "The token '" + *token + "' is invalid.", rid);
    }
    if (start > rows.size()) return error("InvalidNextToken", "The token '" + *token + "' is invalid.", rid);
  }
  size_t end = std::min(rows.size(), start + limit);
  std::vector<AsgNotificationRow> page(rows.begin() + static_cast<long>(start), rows.begin() + static_cast<long>(end));
  return ok("DescribeNotificationConfigurations", rid,
            render_notification_configurations(page, end < rows.size() ? std::to_string(end) : ""));
}

nlohmann::json AutoScalingService::state_json() const {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [n, g] : groups_) out.push_back(to_json(g));
  return out;
}

}  // namespace ebbflow::cloud
