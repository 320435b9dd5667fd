// LocalCloud's EC2 actions (RunInstances, DescribeInstances, ...). `mu_` is held by handle().
#include <algorithm>

#include "cloud/base64.h"
#include "cloud/ec2_xml.h"
#include "cloud/filters.h"
#include "cloud/instance_types.h"
#include "cloud/local_cloud.h"

namespace ebbflow::cloud {

namespace {

Error invalid(const std::string& message) {
  return make_error(ErrorKind::kInvalidInput, "InvalidParameterValue", message);
}

// MaxResults for the paginated describes: absent = everything; else 5..1000 as on EC2.
Result<size_t> page_size(const QueryParams& p, bool with_ids) {
  auto n = p.get_int("MaxResults");
  if (!n.ok()) return n.error();
  if (!n->has_value()) return size_t{0};
  if (with_ids) {
    return invalid("The parameter instancesSet cannot be used with the parameter maxResults");
  }
  if (**n < 5 || **n > 1000) {
    return invalid("Value ( " + std::to_string(**n) + " ) for parameter maxResults is invalid. "
                   "Expecting a value between 5 and 1000.");
  }
  return static_cast<size_t>(**n);
}

bool known_status_filter(const std::string& n) {
  return n == "instance-state-name" || n == "instance-state-code" || n == "instance-status.status" ||
         n == "system-status.status" || n == "instance-status.reachability" ||
         n == "system-status.reachability" || n == "event.code" || n == "availability-zone";
}

}  // namespace

Result<std::vector<Instance*>> LocalCloud::find_instances(const std::vector<std::string>& ids) {
  std::vector<Instance*> out;
  for (const auto& id : ids) {
    if (id.rfind("i-", 0) != 0) {
      return make_error(ErrorKind::kInvalidInput, "InvalidInstanceID.Malformed", "Invalid id: \"" + id + "\"");
    }
    auto it = instances_.find(id);
    if (it == instances_.end()) {
      return make_error(ErrorKind::kNotFound, "InvalidInstanceID.NotFound",
                        "The instance ID '" + id + "' does not exist");
    }
    out.push_back(&it->second);
  }
  return out;
}

Ec2Reply LocalCloud::run_instances(const QueryParams& p, int64_t now, const std::string& rid) {
  // Idempotency first: a known token returns what it launched and launches nothing.
  std::string token = p.get_or("ClientToken", "");
  if (!token.empty()) {
    auto it = client_tokens_.find(token);
    if (it != client_tokens_.end()) {
      std::vector<const Instance*> found;
      for (const auto& id : it->second) {
        if (auto i = instances_.find(id); i != instances_.end()) found.push_back(&i->second);
      }
      std::string reservation = found.empty() ? "r-" + random_hex(17) : found.front()->reservation_id;
      return {200, render_response("RunInstances", rid, render_reservation_body(reservation, found, options_.region))};
    }
  }
  auto min_count = p.get_int("MinCount");
  auto max_count = p.get_int("MaxCount");
  if (!min_count.ok()) return ec2_error(min_count.error(), rid);
  if (!max_count.ok()) return ec2_error(max_count.error(), rid);
  if (!min_count->has_value() || !max_count->has_value()) {
    return ec2_error("MissingParameter", "The request must contain the parameters MinCount and MaxCount", rid);
  }
  long long lo = **min_count, hi = **max_count;
  if (lo < 1 || hi < lo || hi > 1000) {
    return ec2_error(invalid("MinCount (" + std::to_string(lo) + ") and MaxCount (" + std::to_string(hi) +
                             ") must satisfy 1 <= MinCount <= MaxCount <= 1000"), rid);
  }

  const LaunchTemplate* lt = nullptr;
  std::string user_data;
  if (auto name = p.get("LaunchTemplate.LaunchTemplateName")) {
    auto it = templates_.find(*name);
    if (it == templates_.end()) {
      return ec2_error("InvalidLaunchTemplateName.NotFoundException",
                       "The specified launch template, with template name " + *name + ", does not exist.", rid);
    }
    lt = &it->second;
  } else if (auto id = p.get("LaunchTemplate.LaunchTemplateId")) {
    for (const auto& [n, t] : templates_) {
      if (t.id == *id) lt = &t;
    }
    if (!lt) {
      return ec2_error("InvalidLaunchTemplateId.NotFound",
                       "The specified launch template, with template ID " + *id + ", does not exist.", rid);
    }
  }
  std::string version = p.get_or("LaunchTemplate.Version", "$Latest");
  if (lt && version != "$Latest" && version != "$Default" && version != "1") {
    return ec2_error("InvalidLaunchTemplateId.VersionNotFound",
                     "Could not find launch template version " + version + " of " + lt->name, rid);
  }
  if (lt) user_data = lt->user_data;
  if (auto ud = p.get("UserData")) {
    auto decoded = base64_decode(*ud);
    if (!decoded) return ec2_error("InvalidUserData.Malformed", "Invalid BASE64 encoding of user data.", rid);
    user_data = *decoded;
  }
  std::string type = p.get_or("InstanceType", lt ? lt->instance_type : "");
  if (type.empty()) type = "t3.micro";
  if (!known_instance_type(type)) {
    return ec2_error(invalid("Invalid value '" + type + "' for InstanceType."), rid);
  }
  if (auto fault = faults_.on_launch(type)) {
    persist_faults();
    return ec2_error(fault->code, fault->message, rid, fault->http_status);
  }

  Tags tags = lt ? lt->instance_tags : Tags{};
  for (auto& [k, v] : p.tag_specifications("TagSpecification", "instance")) tags[k] = v;
  if (lt) {
    tags["aws:ec2launchtemplate:id"] = lt->id;
    tags["aws:ec2launchtemplate:version"] = "1";
  }

  std::string reservation = "r-" + random_hex(17);
  std::vector<Instance*> launched = allocate_instances(type, lt, tags, token, hi, reservation, now);
  if (static_cast<long long>(launched.size()) < lo) {
    for (Instance* i : launched) instances_.erase(i->id);
    return ec2_error("InsufficientInstanceCapacity",
                     "There are not enough free addresses in " + pool_.cidr() + " for " + std::to_string(lo) +
                         " instance(s).", rid);
  }
  std::vector<Instance> shown = start_instances(launched, type, user_data, now);
  if (!token.empty()) {
    std::vector<std::string> ids;
    for (Instance* i : launched) ids.push_back(i->id);
    client_tokens_[token] = ids;
    (void)store_->put_client_token(token, ids, now);
  }
  std::vector<const Instance*> view;
  for (auto& i : shown) view.push_back(&i);
  return {200, render_response("RunInstances", rid, render_reservation_body(reservation, view, options_.region))};
}

std::vector<Instance*> LocalCloud::allocate_instances(const std::string& type, const LaunchTemplate* lt,
                                                      const Tags& tags, const std::string& client_token,
                                                      long long count, const std::string& reservation, int64_t now) {
  std::vector<Instance*> launched;
  for (long long n = 0; n < count; ++n) {
    auto ip = pool_.allocate([this](const std::string& a) { return address_in_use(a); });
    if (!ip.ok()) break;  // best effort down to MinCount, as EC2 does
    Instance inst;
    inst.id = "i-" + random_hex(17);
    inst.instance_type = type;
    inst.private_ip = *ip;
    inst.private_dns_name = private_dns_name(*ip);
    inst.launch_time = now;
    inst.state_changed_at = now;
    inst.client_token = client_token;
    inst.launch_template_name = lt ? lt->name : "";
    inst.launch_template_id = lt ? lt->id : "";
    inst.tags = tags;
    inst.launch_index = static_cast<int>(n);
    inst.reservation_id = reservation;
    launched.push_back(&(instances_[inst.id] = std::move(inst)));
  }
  return launched;
}

std::vector<Instance> LocalCloud::start_instances(const std::vector<Instance*>& launched, const std::string& type,
                                                  const std::string& user_data, int64_t now) {
  std::vector<const Instance*> changed;
  std::vector<Instance> shown;  // as launched: EC2 answers "pending"
  bool faults_used = false;
  for (Instance* i : launched) {
    bool never_bootstrap = faults_.on_instance_start(type);
    faults_used = faults_used || never_bootstrap;
    // never-bootstrap: the machine is up, its bootstrap hangs forever.
    if (auto s = start_process(*i, never_bootstrap ? "exec sleep infinity\n" : user_data); !s.ok()) {
      set_terminated(*i, kReasonInternalError, now);
    } else {
      shown.push_back(*i);
      i->state = kRunning;  // the script has started: the instance is up
    }
    changed.push_back(i);
  }
  persist(changed);
  if (faults_used) persist_faults();
  return shown;
}

Ec2Reply LocalCloud::terminate_instances(const QueryParams& p, int64_t now, const std::string& rid) {
  auto ids = p.list("InstanceId");
  if (ids.empty()) return ec2_error("MissingParameter", "The request must contain the parameter InstanceId", rid);
  auto found = find_instances(ids);
  if (!found.ok()) return ec2_error(found.error(), rid);
  std::string items;
  std::vector<const Instance*> changed;
  for (Instance* i : *found) {
    std::string previous = i->state;
    begin_shutdown(*i, kReasonUserShutdown, now);
    changed.push_back(i);
    items += "<item><instanceId>" + i->id + "</instanceId><currentState><code>" +
             std::to_string(state_code(i->state)) + "</code><name>" + i->state +
             "</name></currentState><previousState><code>" + std::to_string(state_code(previous)) +
             "</code><name>" + previous + "</name></previousState></item>";
  }
  persist(changed);
  return {200, render_response("TerminateInstances", rid, "<instancesSet>" + items + "</instancesSet>")};
}

Ec2Reply LocalCloud::describe_instances(const QueryParams& p, const std::string& rid) {
  auto ids = p.list("InstanceId");
  auto filters = p.filters();
  auto valid = validate_filters(filters, [](const std::string& n) {
    bool known = false;
    instance_filter_values(Instance{}, n, &known);
    return known;
  });
  if (!valid.ok()) return ec2_error(valid.error(), rid);
  auto limit = page_size(p, !ids.empty());
  if (!limit.ok()) return ec2_error(limit.error(), rid);
  std::vector<const Instance*> candidates;
  if (!ids.empty()) {
    auto found = find_instances(ids);
    if (!found.ok()) return ec2_error(found.error(), rid);
    candidates.assign(found->begin(), found->end());
  } else {
    for (auto it = instances_.upper_bound(p.get_or("NextToken", "")); it != instances_.end(); ++it) {
      candidates.push_back(&it->second);
    }
  }
  std::vector<const Instance*> page;
  std::string next;
  for (const Instance* i : candidates) {
    if (!matches_all(filters, [i](const std::string& n) {
          bool known;
          return instance_filter_values(*i, n, &known);
        })) {
      continue;
    }
    if (*limit && page.size() == *limit) {
      next = page.back()->id;  // the token: resume after this id (ids are the sort key)
      break;
    }
    page.push_back(i);
  }
  // Group by reservation, in order of first appearance.
  std::vector<std::pair<std::string, std::vector<const Instance*>>> groups;
  for (const Instance* i : page) {
    auto g = std::find_if(groups.begin(), groups.end(), [i](auto& e) { return e.first == i->reservation_id; });
    if (g == groups.end()) groups.push_back({i->reservation_id, {i}});
    else g->second.push_back(i);
  }
  std::string body = "<reservationSet>";
  for (auto& [rsv, list] : groups) body += "<item>" + render_reservation_body(rsv, list, options_.region) + "</item>";
  body += "</reservationSet>";
  if (!next.empty()) body += "<nextToken>" + next + "</nextToken>";
  return {200, render_response("DescribeInstances", rid, body)};
}

Ec2Reply LocalCloud::describe_instance_status(const QueryParams& p, int64_t now, const std::string& rid) {
  auto ids = p.list("InstanceId");
  auto filters = p.filters();
  auto valid = validate_filters(filters, known_status_filter);
  if (!valid.ok()) return ec2_error(valid.error(), rid);
  auto limit = page_size(p, !ids.empty());
  if (!limit.ok()) return ec2_error(limit.error(), rid);
  bool all = p.get_bool("IncludeAllInstances");
  std::vector<const Instance*> candidates;
  if (!ids.empty()) {
    auto found = find_instances(ids);
    if (!found.ok()) return ec2_error(found.error(), rid);
    candidates.assign(found->begin(), found->end());
  } else {
    for (auto it = instances_.upper_bound(p.get_or("NextToken", "")); it != instances_.end(); ++it) {
      candidates.push_back(&it->second);
    }
  }
  std::string items, next;
  size_t count = 0;
  const Instance* last = nullptr;
  for (const Instance* i : candidates) {
    if (!all && i->state != kRunning) continue;
    StatusView v;
    v.instance = i;
    std::string s = i->state == kRunning ? "ok" : i->state == kPending ? "initializing" : "not-applicable";
    v.instance_status = v.system_status = s;
    if (i->state == kRunning) {  // injected faults only show on a running instance, as on EC2
      InjectedStatus injected = faults_.status_of(i->id);
      if (injected.instance_impaired_since) {
        v.instance_status = "impaired";
        v.instance_impaired_since = injected.instance_impaired_since;
      }
      if (injected.system_impaired_since) {
        v.system_status = "impaired";
        v.system_impaired_since = injected.system_impaired_since;
      }
      for (auto& e : injected.events) v.events.push_back({e.code, e.description, e.not_before});
    }
    auto values_of = [&v](const std::string& n) -> std::vector<std::string> {
      if (n == "instance-state-name") return {v.instance->state};
      if (n == "instance-state-code") return {std::to_string(state_code(v.instance->state))};
      if (n == "instance-status.status") return {v.instance_status};
      if (n == "system-status.status") return {v.system_status};
      if (n == "instance-status.reachability") return {v.instance_status == "ok" ? "passed" : v.instance_status};
      if (n == "system-status.reachability") return {v.system_status == "ok" ? "passed" : v.system_status};
      if (n == "event.code") {
        std::vector<std::string> codes;
        for (auto& e : v.events) codes.push_back(e.code);
        return codes;
      }
      return {};
    };
    if (!matches_all(filters, values_of)) continue;
    if (*limit && count == *limit) {
      next = last->id;
      break;
    }
    items += render_status_item(v, options_.region);
    last = i;
    ++count;
  }
  (void)now;
  std::string body = "<instanceStatusSet>" + items + "</instanceStatusSet>";
  if (!next.empty()) body += "<nextToken>" + next + "</nextToken>";
  return {200, render_response("DescribeInstanceStatus", rid, body)};
}

Ec2Reply LocalCloud::create_tags(const QueryParams& p, const std::string& rid) {
  auto ids = p.list("ResourceId");
  if (ids.empty()) return ec2_error("MissingParameter", "The request must contain the parameter ResourceId", rid);
  Tags tags = p.tags("Tag");
  auto found = find_instances(ids);
  if (!found.ok()) return ec2_error(found.error(), rid);
  std::vector<const Instance*> changed;
  for (Instance* i : *found) {
    for (auto& [k, v] : tags) i->tags[k] = v;
    changed.push_back(i);
  }
  persist(changed);
  return {200, render_response("CreateTags", rid, "<return>true</return>")};
}

Ec2Reply LocalCloud::create_launch_template(const QueryParams& p, int64_t now, const std::string& rid) {
  auto name = p.get("LaunchTemplateName");
  if (!name || name->empty()) {
    return ec2_error("MissingParameter", "The request must contain the parameter LaunchTemplateName", rid);
  }
  if (templates_.count(*name)) {
    return ec2_error("InvalidLaunchTemplateName.AlreadyExistsException",
                     "Launch template name already in use.", rid);
  }
  LaunchTemplate lt;
  lt.id = "lt-" + random_hex(17);
  lt.name = *name;
  lt.create_time = now;
  lt.instance_type = p.get_or("LaunchTemplateData.InstanceType", "");
  if (!lt.instance_type.empty() && !known_instance_type(lt.instance_type)) {
    return ec2_error(invalid("Invalid value '" + lt.instance_type + "' for InstanceType."), rid);
  }
  if (auto ud = p.get("LaunchTemplateData.UserData")) {
    auto decoded = base64_decode(*ud);
    if (!decoded) return ec2_error("InvalidUserData.Malformed", "Invalid BASE64 encoding of user data.", rid);
    lt.user_data = *decoded;
  }
  lt.instance_tags = p.tag_specifications("LaunchTemplateData.TagSpecification", "instance");
  if (auto s = store_->put_launch_template(lt); !s.ok()) return ec2_error(s.error(), rid);
  auto& stored = templates_[lt.name] = lt;
  return {200, render_response("CreateLaunchTemplate", rid,
                               "<launchTemplate>" + render_launch_template(stored) + "</launchTemplate>")};
}

Ec2Reply LocalCloud::delete_launch_template(const QueryParams& p, const std::string& rid) {
  auto name = p.get("LaunchTemplateName");
  auto id = p.get("LaunchTemplateId");
  auto it = templates_.end();
  if (name) {
    it = templates_.find(*name);
  } else if (id) {
    it = std::find_if(templates_.begin(), templates_.end(), [&](auto& e) { return e.second.id == *id; });
  } else {
    return ec2_error("MissingParameter", "Either LaunchTemplateName or LaunchTemplateId is required", rid);
  }
  if (it == templates_.end()) {
    return name ? ec2_error("InvalidLaunchTemplateName.NotFoundException",
                            "The specified launch template, with template name " + *name + ", does not exist.", rid)
                : ec2_error("InvalidLaunchTemplateId.NotFound",
                            "The specified launch template, with template ID " + *id + ", does not exist.", rid);
  }
  std::string body = "<launchTemplate>" + render_launch_template(it->second) + "</launchTemplate>";
  if (auto s = store_->delete_launch_template(it->first); !s.ok()) return ec2_error(s.error(), rid);
  templates_.erase(it);
  return {200, render_response("DeleteLaunchTemplate", rid, body)};
}

Ec2Reply LocalCloud::describe_launch_templates(const QueryParams& p, const std::string& rid) {
  auto names = p.list("LaunchTemplateName");
  auto ids = p.list("LaunchTemplateId");
  std::string items;
  for (const auto& n : names) {
    if (!templates_.count(n)) {
      return ec2_error("InvalidLaunchTemplateName.NotFoundException",
                       "At least one of the launch templates specified in the request does not exist.", rid);
    }
  }
  for (const auto& [n, lt] : templates_) {
    bool wanted = (names.empty() && ids.empty()) || std::count(names.begin(), names.end(), n) ||
                  std::count(ids.begin(), ids.end(), lt.id);
    if (wanted) items += "<item>" + render_launch_template(lt) + "</item>";
  }
  return {200, render_response("DescribeLaunchTemplates", rid, "<launchTemplates>" + items + "</launchTemplates>")};
}

}  // namespace ebbflow::cloud
