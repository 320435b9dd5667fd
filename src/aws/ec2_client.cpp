// Ec2Client: each Ec2Api method as an EC2 Query request (API 2016-11-15), serialised exactly as
// botocore's EC2 serializer does (member names from the model's queryName / capitalised
// locationName; lists flattened as Name.1, Name.2 ... with no ".member" level).
#include <charconv>
#include <cmath>
#include <set>

#include "aws/ec2.h"
#include "aws/query_form.h"

namespace ebbflow::aws {
namespace {

constexpr const char* kVersion = "2016-11-15";
constexpr int kPageSize = 1000;       // the most DescribeInstances / DescribeInstanceStatus return
constexpr int kMaxPages = 100000;     // a guard against a server that never stops paginating

void add_filters(QueryForm& form, const std::vector<Filter>& filters) {
  for (size_t i = 0; i < filters.size(); ++i) {
    const std::string p = "Filter." + std::to_string(i + 1);
    form.add(p + ".Name", filters[i].name);
    form.add_list(p + ".Value", filters[i].values);
  }
}

void add_tags(QueryForm& form, const std::string& prefix, const Tags& tags) {
  size_t n = 0;
  for (const auto& [k, v] : tags) {
    const std::string p = prefix + std::to_string(++n);
    form.add(p + ".Key", k);
    form.add(p + ".Value", v);
  }
}

// Runs a paginated Describe* action: MaxResults only when no ids are given (EC2 rejects the
// pair), then NextToken until the last page. Each parsed page goes to `on_page` before the
// next one is requested.
template <class T, class Parse>
Status paginate_pages(const QueryForm& base, bool page_sized,
                      const std::function<Result<std::string>(const std::string&)>& call, Parse parse,
                      const std::function<Status(std::vector<T>&&)>& on_page) {
  std::string token;
  std::set<std::string> seen_tokens;
  for (int page = 0; page < kMaxPages; ++page) {
    QueryForm form = base;
    if (page_sized) form.add("MaxResults", kPageSize);
    if (!token.empty()) form.add("NextToken", token);
    auto items = [&]() -> Result<std::vector<T>> {
      auto body = call(form.encode());  // the reply text lives only while its page is parsed
      if (!body.ok()) return body.error();
      return parse(*body, &token);
    }();
    if (!items.ok()) return items.error();
    if (Status st = on_page(std::move(*items)); !st.ok()) return st;
    if (token.empty()) return {};
    if (!seen_tokens.insert(token).second)
      return make_error(ErrorKind::kRetry, "MalformedResponse", "EC2 returned the same NextToken twice: " + token);
  }
  return make_error(ErrorKind::kRetry, "MalformedResponse", "EC2 pagination did not end");
}

// A double as Python's repr() writes it (botocore sends str(value)): "1.0", "0.25", "1e+16".
std::string python_float(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e16) return std::to_string(static_cast<long long>(v)) + ".0";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

QueryForm create_fleet_form(const CreateFleetRequest& req) {
  // Parameter order follows ParallelCluster's request dict (fleet_manager.py); EC2 ignores order,
  // but a fixed order makes the body byte-comparable with botocore's.
  QueryForm form("CreateFleet", kVersion);
  const std::string lt = "LaunchTemplateConfigs.1.";
  form.add(lt + "LaunchTemplateSpecification.LaunchTemplateName", req.launch_template_name);
  if (!req.launch_template_version.empty()) form.add(lt + "LaunchTemplateSpecification.Version", req.launch_template_version);
  for (size_t i = 0; i < req.overrides.size(); ++i) {
    const FleetOverride& o = req.overrides[i];
    const std::string p = lt + "Overrides." + std::to_string(i + 1) + ".";
    if (!o.max_price.empty()) form.add(p + "MaxPrice", o.max_price);
    if (!o.instance_type.empty()) form.add(p + "InstanceType", o.instance_type);
    if (!o.subnet_id.empty()) form.add(p + "SubnetId", o.subnet_id);
    if (o.priority) form.add(p + "Priority", python_float(*o.priority));
  }
  const bool spot = req.default_target_capacity_type == "spot";
  const std::string opt = spot ? "SpotOptions." : "OnDemandOptions.";
  if (!req.allocation_strategy.empty()) form.add(opt + "AllocationStrategy", req.allocation_strategy);
  form.add_bool(opt + "SingleInstanceType", req.single_instance_type);
  form.add_bool(opt + "SingleAvailabilityZone", req.single_availability_zone);
  if (req.min_target_capacity) form.add(opt + "MinTargetCapacity", *req.min_target_capacity);
  if (!spot && req.use_capacity_reservations_first)
    form.add(opt + "CapacityReservationOptions.UsageStrategy", "use-capacity-reservations-first");
  form.add("TargetCapacitySpecification.TotalTargetCapacity", req.total_target_capacity);
  form.add("TargetCapacitySpecification.DefaultTargetCapacityType", req.default_target_capacity_type);
  form.add("Type", req.type);
  if (!req.client_token.empty()) form.add("ClientToken", req.client_token);
  if (!req.instance_tags.empty()) {
    form.add("TagSpecification.1.ResourceType", "instance");
    add_tags(form, "TagSpecification.1.Tag.", req.instance_tags);
  }
  return form;
}

// The same, concatenating the pages.
template <class T, class Parse>
Result<std::vector<T>> paginate(const QueryForm& base, bool page_sized,
                                const std::function<Result<std::string>(const std::string&)>& call, Parse parse) {
  std::vector<T> all;
  Status st = paginate_pages<T>(base, page_sized, call, parse, [&](std::vector<T>&& items) -> Status {
    if (all.empty()) {
      all = std::move(items);
    } else {
      all.insert(all.end(), std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
    }
    return {};
  });
  if (!st.ok()) return st.error();
  return all;
}

}  // namespace

std::vector<std::string> CreateFleetResult::instance_ids() const {
  std::vector<std::string> ids;
  for (const auto& set : instances) ids.insert(ids.end(), set.instance_ids.begin(), set.instance_ids.end());
  return ids;
}

Result<CreateFleetResult> Ec2Api::create_fleet(const CreateFleetRequest&) {
  return make_error(ErrorKind::kGiveUp, "UnsupportedOperation", "this EC2 implementation does not support CreateFleet");
}

std::string encode_create_fleet(const CreateFleetRequest& req) { return create_fleet_form(req).encode(); }

Ec2Client::Ec2Client(ClientConfig config, std::unique_ptr<HttpClient> http)
    : Ec2Client(std::move(config), std::move(http), AwsClientHooks{}) {}

Ec2Client::Ec2Client(ClientConfig config, std::unique_ptr<HttpClient> http, AwsClientHooks hooks)
    : client_(std::make_unique<AwsClient>(
          std::move(config), "ec2", std::move(http),
          [](const HttpResponse& r) { return parse_ec2_error(r.status, r.body); }, std::move(hooks))) {}

Ec2Client::~Ec2Client() = default;

Status Ec2Api::describe_instances_by_page(const std::vector<Filter>& filters, const InstancePageSink& on_page) {
  auto all = describe_instances(filters);
  if (!all.ok()) return all.error();
  return on_page(std::move(*all));
}

Result<std::string> Ec2Client::call(const std::string& form_body) {
  auto resp = client_->call("POST", "/", "application/x-www-form-urlencoded; charset=utf-8", form_body);
  if (!resp.ok()) return resp.error();
  return std::move(resp->body);
}

Result<std::vector<Ec2Instance>> Ec2Client::run_instances(const RunInstancesRequest& req) {
  QueryForm form("RunInstances", kVersion);
  form.add("LaunchTemplate.LaunchTemplateName", req.launch_template_name);
  if (!req.launch_template_version.empty()) form.add("LaunchTemplate.Version", req.launch_template_version);
  if (!req.instance_type.empty()) form.add("InstanceType", req.instance_type);
  form.add("MinCount", req.min_count).add("MaxCount", req.max_count);
  if (!req.client_token.empty()) form.add("ClientToken", req.client_token);
  if (!req.instance_tags.empty()) {
    form.add("TagSpecification.1.ResourceType", "instance");
    add_tags(form, "TagSpecification.1.Tag.", req.instance_tags);
  }
  if (!req.subnet_id.empty()) form.add("SubnetId", req.subnet_id);
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return parse_run_instances(*body);
}

Result<CreateFleetResult> Ec2Client::create_fleet(const CreateFleetRequest& req) {
  auto body = call(encode_create_fleet(req));
  if (!body.ok()) return body.error();
  return parse_create_fleet(*body);
}

Result<std::vector<InstanceStateChange>> Ec2Client::terminate_instances(const std::vector<std::string>& ids) {
  QueryForm form("TerminateInstances", kVersion);
  form.add_list("InstanceId", ids);
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return parse_terminate_instances(*body);
}

Result<std::vector<Ec2Instance>> Ec2Client::describe_instances(const std::vector<Filter>& filters,
                                                               const std::vector<std::string>& ids) {
  QueryForm form("DescribeInstances", kVersion);
  add_filters(form, filters);
  form.add_list("InstanceId", ids);
  return paginate<Ec2Instance>(form, ids.empty(), [this](const std::string& b) { return call(b); },
                               parse_describe_instances);
}

Status Ec2Client::describe_instances_by_page(const std::vector<Filter>& filters, const InstancePageSink& on_page) {
  QueryForm form("DescribeInstances", kVersion);
  add_filters(form, filters);
  return paginate_pages<Ec2Instance>(form, true, [this](const std::string& b) { return call(b); },
                                     parse_describe_instances, on_page);
}

Result<std::vector<InstanceStatus>> Ec2Client::describe_instance_status(const std::vector<Filter>& filters,
                                                                        const std::vector<std::string>& ids,
                                                                        bool include_all_instances) {
  QueryForm form("DescribeInstanceStatus", kVersion);
  add_filters(form, filters);
  form.add_list("InstanceId", ids);
  if (include_all_instances) form.add_bool("IncludeAllInstances", true);
  return paginate<InstanceStatus>(form, ids.empty(), [this](const std::string& b) { return call(b); },
                                  parse_describe_instance_status);
}

Status Ec2Client::create_tags(const std::vector<std::string>& ids, const Tags& tags) {
  QueryForm form("CreateTags", kVersion);
  form.add_list("ResourceId", ids);
  add_tags(form, "Tag.", tags);
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return {};
}

Status Ec2Client::create_launch_template(const LaunchTemplateRequest& req) {
  QueryForm form("CreateLaunchTemplate", kVersion);
  form.add("LaunchTemplateName", req.name);
  if (!req.instance_type.empty()) form.add("LaunchTemplateData.InstanceType", req.instance_type);
  if (!req.user_data.empty()) form.add("LaunchTemplateData.UserData", base64_encode(req.user_data));
  if (!req.instance_tags.empty()) {
    form.add("LaunchTemplateData.TagSpecification.1.ResourceType", "instance");
    add_tags(form, "LaunchTemplateData.TagSpecification.1.Tag.", req.instance_tags);
  }
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return {};
}

Status Ec2Client::delete_launch_template(const std::string& name) {
  QueryForm form("DeleteLaunchTemplate", kVersion);
  form.add("LaunchTemplateName", name);
  auto body = call(form.encode());
  if (!body.ok()) return body.error();
  return {};
}

}  // namespace ebbflow::aws
