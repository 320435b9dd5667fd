// LocalCloud's CreateFleet: EC2 Fleet of Type "instant" (the only type ParallelCluster uses).
//
// The request names launch templates and overrides (instance type x subnet, optional MaxPrice
// and Priority) and a target capacity. The local cloud fills the target by walking the
// overrides in allocation order (the given order; "prioritized": Priority ascending, then the
// given order), launching as many instances of each as it still needs with the same machinery
// as RunInstances (launch template, tags, fail-launch and never-bootstrap faults per instance
// type, the address pool). An override whose launch fails (an injected fault, no free address)
// becomes an errorSet item and the next override is tried, so one type can be out of capacity
// while another launches: a partial success, as on EC2. When MinTargetCapacity is not reached
// nothing is launched (the errors explain why). A known ClientToken returns the instances it
// launched before and launches nothing. `mu_` is held by handle().
#include <algorithm>
#include <cstdio>

#include "cloud/ec2_xml.h"
#include "cloud/instance_types.h"
#include "cloud/local_cloud.h"

namespace ebbflow::cloud {
namespace {

struct FleetOverride {
  const LaunchTemplate* lt = nullptr;
  std::string spec_xml;  // the <launchTemplateSpecification> echoed in the reply
  std::string instance_type;
  std::string subnet_id;
  std::string max_price;
  std::string priority;  // as sent ("" = none)
  double priority_value = 0;
  size_t order = 0;
};

std::string element(const std::string& name, const std::string& text) {
  return "<" + name + ">" + xml_escape(text) + "</" + name + ">";
}

std::string overrides_xml(const FleetOverride& o) {
  std::string x = "<launchTemplateAndOverrides>" + o.spec_xml + "<overrides>";
  if (!o.instance_type.empty()) x += element("instanceType", o.instance_type);
  if (!o.subnet_id.empty()) x += element("subnetId", o.subnet_id);
  if (!o.max_price.empty()) x += element("maxPrice", o.max_price);
  if (!o.priority.empty()) x += element("priority", o.priority);
  return x + "</overrides></launchTemplateAndOverrides>";
}

// "fleet-" and a UUID; derived from the client token when there is one, so a repeated request
// gets the same fleet id back.
std::string fleet_id_for(const std::string& token) {
  std::string hex;
  if (token.empty()) {
    hex = random_hex(32);
  } else {
    uint64_t h1 = 1469598103934665603ull, h2 = 1099511628211ull;  // two FNV-1a variants
    for (unsigned char c : token) {
      h1 = (h1 ^ c) * 1099511628211ull;
      h2 = (h2 ^ c) * 1469598103934665603ull + 0x9e3779b97f4a7c15ull;
    }
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h1),
                  static_cast<unsigned long long>(h2));
    hex = buf;
  }
  return "fleet-" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) +
         "-" + hex.substr(20, 12);
}

Error invalid(const std::string& message) {
  return make_error(ErrorKind::kInvalidInput, "InvalidParameterValue", message);
}

}  // namespace

Ec2Reply LocalCloud::create_fleet(const QueryParams& p, int64_t now, const std::string& rid) {
  // Type defaults to "maintain" on EC2; only instant fleets are modelled (no fleet lifecycle).
  const std::string type = p.get_or("Type", "maintain");
  if (type != "instant" && type != "maintain" && type != "request") {
    return ec2_error(invalid("Invalid value '" + type + "' for Type; expected instant, maintain or request"), rid);
  }
  if (type != "instant") {
    return ec2_error("UnsupportedOperation",
                     "The local cloud supports only EC2 Fleets of Type instant (got " + type + ")", rid);
  }
  const std::string token = p.get_or("ClientToken", "");
  const std::string fleet_id = fleet_id_for(token);
  const std::string capacity_type = p.get_or("TargetCapacitySpecification.DefaultTargetCapacityType", "on-demand");
  if (capacity_type != "on-demand" && capacity_type != "spot" && capacity_type != "capacity-block") {
    return ec2_error(invalid("Invalid value '" + capacity_type + "' for DefaultTargetCapacityType"), rid);
  }
  const std::string lifecycle = capacity_type == "spot" ? "spot" : "on-demand";

  // Idempotency: a known token answers with what it launched, grouped by instance type.
  if (!token.empty()) {
    if (auto it = client_tokens_.find(token); it != client_tokens_.end()) {
      std::vector<std::pair<std::string, std::vector<std::string>>> by_type;
      for (const auto& id : it->second) {
        auto inst = instances_.find(id);
        if (inst == instances_.end()) continue;
        auto g = std::find_if(by_type.begin(), by_type.end(),
                              [&](auto& e) { return e.first == inst->second.instance_type; });
        if (g == by_type.end()) by_type.push_back({inst->second.instance_type, {id}});
        else g->second.push_back(id);
      }
      std::string items;
      for (const auto& [t, ids] : by_type) {
        const Instance& first = instances_.at(ids.front());
        FleetOverride o;
        o.instance_type = t;
        o.spec_xml = "<launchTemplateSpecification>" + element("launchTemplateId", first.launch_template_id) +
                     element("launchTemplateName", first.launch_template_name) + element("version", "1") +
                     "</launchTemplateSpecification>";
        items += "<item>" + overrides_xml(o) + element("lifecycle", lifecycle) + "<instanceIds>";
        for (const auto& id : ids) items += element("item", id);
        items += "</instanceIds>" + element("instanceType", t) + "</item>";
      }
      return {200, render_response("CreateFleet", rid,
                                   element("fleetId", fleet_id) + "<errorSet/><fleetInstanceSet>" + items +
                                       "</fleetInstanceSet>")};
    }
  }

  auto total = p.get_int("TargetCapacitySpecification.TotalTargetCapacity");
  if (!total.ok()) return ec2_error(total.error(), rid);
  if (!total->has_value()) {
    return ec2_error("MissingParameter",
                     "The request must contain the parameter TargetCapacitySpecification.TotalTargetCapacity", rid);
  }
  const std::string options = capacity_type == "spot" ? "SpotOptions." : "OnDemandOptions.";
  auto min = p.get_int(options + "MinTargetCapacity");
  if (!min.ok()) return ec2_error(min.error(), rid);
  const long long target = **total, min_target = min->value_or(0);
  if (target < 1 || target > 1000) {
    return ec2_error(invalid("TotalTargetCapacity (" + std::to_string(target) + ") must be between 1 and 1000"), rid);
  }
  if (min_target < 0 || min_target > target) {
    return ec2_error(invalid("MinTargetCapacity (" + std::to_string(min_target) +
                             ") must be between 0 and TotalTargetCapacity (" + std::to_string(target) + ")"),
                     rid);
  }
  const std::string strategy = p.get_or(options + "AllocationStrategy", "lowest-price");
  const bool single_type = p.get_bool(options + "SingleInstanceType");

  // Launch template configs and their overrides, in request order.
  std::vector<FleetOverride> overrides;
  const std::vector<int> configs = p.indices("LaunchTemplateConfigs");
  if (configs.empty()) {
    return ec2_error("MissingParameter", "The request must contain the parameter LaunchTemplateConfigs", rid);
  }
  for (int c : configs) {
    const std::string cp = "LaunchTemplateConfigs." + std::to_string(c) + ".";
    const LaunchTemplate* lt = nullptr;
    std::string spec = "<launchTemplateSpecification>";
    if (auto name = p.get(cp + "LaunchTemplateSpecification.LaunchTemplateName")) {
      auto it = templates_.find(*name);
      if (it == templates_.end()) {
        return ec2_error("InvalidLaunchTemplateName.NotFoundException",
                         "The specified launch template, with template name " + *name + ", does not exist.", rid);
      }
      lt = &it->second;
    } else if (auto id = p.get(cp + "LaunchTemplateSpecification.LaunchTemplateId")) {
      for (const auto& [n, t] : templates_)
        if (t.id == *id) lt = &t;
      if (!lt) {
        return ec2_error("InvalidLaunchTemplateId.NotFound",
                         "The specified launch template, with template ID " + *id + ", does not exist.", rid);
      }
    } else {
      return ec2_error("MissingParameter", "LaunchTemplateConfigs." + std::to_string(c) +
                                               " needs a LaunchTemplateSpecification with a name or an id", rid);
    }
    const std::string version = p.get_or(cp + "LaunchTemplateSpecification.Version", "$Default");
    if (version != "$Latest" && version != "$Default" && version != "1") {
      return ec2_error("InvalidLaunchTemplateId.VersionNotFound",
                       "Could not find launch template version " + version + " of " + lt->name, rid);
    }
    spec += element("launchTemplateId", lt->id) + element("launchTemplateName", lt->name) +
            element("version", version) + "</launchTemplateSpecification>";
    std::vector<int> idx = p.indices(cp + "Overrides");
    if (idx.empty()) idx.push_back(0);  // no overrides: the template's own instance type
    for (int o : idx) {
      const std::string op = cp + "Overrides." + std::to_string(o) + ".";
      FleetOverride fo;
      fo.lt = lt;
      fo.spec_xml = spec;
      fo.instance_type = o ? p.get_or(op + "InstanceType", "") : "";
      if (fo.instance_type.empty()) fo.instance_type = lt->instance_type.empty() ? "t3.micro" : lt->instance_type;
      if (!known_instance_type(fo.instance_type)) {
        return ec2_error(invalid("Invalid value '" + fo.instance_type + "' for InstanceType."), rid);
      }
      if (o) {
        fo.subnet_id = p.get_or(op + "SubnetId", "");
        fo.max_price = p.get_or(op + "MaxPrice", "");
        fo.priority = p.get_or(op + "Priority", "");
      }
      if (!fo.priority.empty()) {
        char* end = nullptr;
        fo.priority_value = std::strtod(fo.priority.c_str(), &end);
        if (end == fo.priority.c_str() || *end) {
          return ec2_error(invalid("Invalid value '" + fo.priority + "' for Priority"), rid);
        }
      }
      fo.order = overrides.size();
      overrides.push_back(std::move(fo));
    }
  }
  if (overrides.size() > 300) return ec2_error(invalid("A fleet may have at most 300 overrides"), rid);
  if (strategy == "prioritized") {
    // Lower Priority first; overrides without one come last, in request order.
    std::stable_sort(overrides.begin(), overrides.end(), [](const FleetOverride& a, const FleetOverride& b) {
      if (a.priority.empty() != b.priority.empty()) return b.priority.empty();
      return a.priority_value < b.priority_value;
    });
  }

  // Fill the target, override by override.
  struct Launched {
    const FleetOverride* override;
    std::vector<Instance*> instances;
  };
  std::vector<Launched> launched;
  std::string errors;
  long long remaining = target;
  std::string chosen_type;  // SingleInstanceType: the first type that launched
  const std::string reservation = "r-" + random_hex(17);
  for (const FleetOverride& o : overrides) {
    if (remaining == 0) break;
    if (single_type && !chosen_type.empty() && o.instance_type != chosen_type) continue;
    std::string code, message;
    if (auto fault = faults_.on_launch(o.instance_type)) {
      persist_faults();
      code = fault->code;
      message = fault->message;
    } else {
      Tags tags = o.lt->instance_tags;
      for (auto& [k, v] : p.tag_specifications("TagSpecification", "instance")) tags[k] = v;
      tags["aws:ec2launchtemplate:id"] = o.lt->id;
      tags["aws:ec2launchtemplate:version"] = "1";
      tags["aws:ec2:fleet-id"] = fleet_id;
      auto got = allocate_instances(o.instance_type, o.lt, tags, token, remaining, reservation, now);
      if (static_cast<long long>(got.size()) < remaining) {
        code = "InsufficientInstanceCapacity";
        message = "There are not enough free addresses in " + pool_.cidr() + " for " + std::to_string(remaining) +
                  " " + o.instance_type + " instance(s).";
      }
      remaining -= static_cast<long long>(got.size());
      if (!got.empty()) {
        launched.push_back({&o, std::move(got)});
        if (chosen_type.empty()) chosen_type = o.instance_type;
      }
    }
    if (!code.empty()) {
      errors += "<item>" + overrides_xml(o) + element("lifecycle", lifecycle) + element("errorCode", code) +
                element("errorMessage", message) + "</item>";
    }
  }

  // Below MinTargetCapacity: launch nothing at all.
  if (target - remaining < min_target) {
    for (auto& l : launched)
      for (Instance* i : l.instances) instances_.erase(i->id);
    launched.clear();
    if (errors.empty()) {
      errors = "<item>" + overrides_xml(overrides.front()) + element("lifecycle", lifecycle) +
               element("errorCode", "InsufficientInstanceCapacity") +
               element("errorMessage", "MinTargetCapacity " + std::to_string(min_target) + " could not be met") +
               "</item>";
    }
  }

  std::string items;
  std::vector<std::string> all_ids;
  for (auto& l : launched) {
    std::vector<Instance> shown = start_instances(l.instances, l.override->instance_type, l.override->lt->user_data, now);
    items += "<item>" + overrides_xml(*l.override) + element("lifecycle", lifecycle) + "<instanceIds>";
    for (const Instance* i : l.instances) {
      all_ids.push_back(i->id);
      items += element("item", i->id);
    }
    items += "</instanceIds>" + element("instanceType", l.override->instance_type) + "</item>";
  }
  if (!token.empty() && !all_ids.empty()) {
    client_tokens_[token] = all_ids;
    (void)store_->put_client_token(token, all_ids, now);
  }
  std::string body = element("fleetId", fleet_id);
  body += errors.empty() ? "<errorSet/>" : "<errorSet>" + errors + "</errorSet>";
  body += items.empty() ? "<fleetInstanceSet/>" : "<fleetInstanceSet>" + items + "</fleetInstanceSet>";
  return {200, render_response("CreateFleet", rid, body)};
}

}  // namespace ebbflow::cloud
