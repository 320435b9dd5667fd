// The EC2 port: the subset of EC2 actions ebbflow uses, as plain C++ values.
//
// Ec2Api is what daemons depend on. Ec2Client implements it over the EC2 Query protocol
// (form-encoded POST, XML replies, SigV4) against any endpoint: real AWS or `ebbflow cloud
// serve`. Fakes for scenario tests implement the same interface.
//
// Error mapping (Error.code is the EC2 error code verbatim):
//   RequestLimitExceeded, Throttling, InsufficientInstanceCapacity, InsufficientHostCapacity,
//   InsufficientReservedInstanceCapacity, MaxSpotInstanceCountExceeded, InstanceLimitExceeded,
//   VcpuLimitExceeded, SpotMaxPriceTooLow                                  -> kBackOff
//   HTTP 5xx, InternalError, ServiceUnavailable, Unavailable               -> kRetry
//   InvalidInstanceID.NotFound, InvalidLaunchTemplateName.NotFoundException -> kNotFound
//   AuthFailure, UnauthorizedOperation, SignatureDoesNotMatch, RequestExpired,
//   InvalidParameterValue, MissingParameter, other 4xx                      -> kGiveUp
//   no HTTP response (connection refused, timeout)                         -> kUnavailable
//   a reply that cannot be parsed                                          -> kRetry, code "MalformedResponse"
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/aws_client.h"
#include "aws/client_config.h"
#include "aws/http.h"
#include "aws/sigv4.h"
#include "util/result.h"

namespace ebbflow::aws {

using Tags = std::map<std::string, std::string>;

struct Ec2Instance {
  std::string instance_id;
  std::string instance_type;
  std::string state;             // pending | running | shutting-down | terminated | stopping | stopped
  std::string private_ip;        // primary private IPv4 (NIC device index 0, else top-level)
  std::string private_dns_name;  // e.g. "ip-127-0-1-5.ec2.internal"
  std::vector<std::string> all_private_ips;  // top-level IP and every NIC's IPs
  int64_t launch_time = 0;       // Unix seconds
  std::string client_token;
  std::string launch_template_name;  // tag aws:ec2launchtemplate:name (the local cloud sets it; AWS tags only the id)
  std::string state_reason;      // StateReason.Message, e.g. "Client.InstanceInitiatedShutdown"
  Tags tags;
};

struct Filter {
  std::string name;                 // "tag:ebbflow:cluster-name", "instance-state-name", ...
  std::vector<std::string> values;
};

struct RunInstancesRequest {
  std::string launch_template_name;   // LaunchTemplate.LaunchTemplateName
  std::string launch_template_version = "$Latest";
  std::string instance_type;          // optional override of the template's type
  int min_count = 1;
  int max_count = 1;
  std::string client_token;           // idempotency: same token, same instances
  Tags instance_tags;                 // TagSpecification ResourceType=instance
  std::string subnet_id;              // optional
};

// CreateFleet (EC2 Fleet, Type "instant" only): one launch template, one override per instance
// type x subnet, the target capacity and the spot / on-demand options, serialised as botocore
// does (LaunchTemplateConfigs.1.Overrides.N.*, SpotOptions.* or OnDemandOptions.*).
struct FleetOverride {
  std::string instance_type;
  std::string subnet_id;   // "" = none
  std::string max_price;   // spot only, "" = none
  std::optional<double> priority;  // on-demand "prioritized": lower is launched first
  bool operator==(const FleetOverride&) const = default;
};

struct CreateFleetRequest {
  std::string launch_template_name;
  std::string launch_template_version = "$Latest";
  std::vector<FleetOverride> overrides;
  int total_target_capacity = 1;
  std::string default_target_capacity_type = "on-demand";  // on-demand | spot | capacity-block
  std::string allocation_strategy;      // "" = EC2's default; SpotOptions/OnDemandOptions.AllocationStrategy
  bool single_instance_type = false;
  bool single_availability_zone = false;
  std::optional<int> min_target_capacity;  // "" when not sent
  // OnDemandOptions.CapacityReservationOptions.UsageStrategy=use-capacity-reservations-first (not for spot).
  bool use_capacity_reservations_first = true;
  std::string client_token;
  Tags instance_tags;  // TagSpecification ResourceType=instance
  std::string type = "instant";
};

// The overrides (and template) an instance set or an error refers to (launchTemplateAndOverrides).
struct FleetLaunchTarget {
  std::string launch_template_name;
  std::string launch_template_id;
  std::string version;
  FleetOverride overrides;
};

struct FleetInstanceSet {
  std::vector<std::string> instance_ids;
  std::string instance_type;
  std::string lifecycle;  // "spot" | "on-demand" ("" when EC2 omits it)
  FleetLaunchTarget launch_target;
};

struct FleetError {
  std::string code;     // "InsufficientInstanceCapacity", ...
  std::string message;
  std::string lifecycle;
  FleetLaunchTarget launch_target;
};

// An instant fleet's reply: the launched instances grouped by type/override, and the errors of
// the overrides that could not be filled. Both may be non-empty (partial success).
struct CreateFleetResult {
  std::string fleet_id;
  std::vector<FleetInstanceSet> instances;
  std::vector<FleetError> errors;
  std::vector<std::string> instance_ids() const;  // every id, in reply order
};

struct InstanceStateChange {
  std::string instance_id;
  std::string previous_state;
  std::string current_state;
};

struct InstanceStatusDetail {
  std::string name;             // "reachability"
  std::string status;           // "passed" | "failed" | "initializing" | "insufficient-data"
  int64_t impaired_since = 0;   // Unix seconds, 0 when absent
};

struct InstanceStatusSummary {
  std::string status;  // "ok" | "impaired" | "initializing" | "insufficient-data" | "not-applicable"
  std::vector<InstanceStatusDetail> details;
};

struct ScheduledEvent {
  std::string code;  // instance-reboot | system-reboot | system-maintenance | instance-retirement | instance-stop
  std::string description;
  int64_t not_before = 0;
};

struct InstanceStatus {
  std::string instance_id;
  std::string state;  // instance state name
  InstanceStatusSummary instance_status;
  InstanceStatusSummary system_status;
  std::vector<ScheduledEvent> events;
};

struct LaunchTemplateRequest {
  std::string name;
  std::string instance_type;
  std::string user_data;  // plain text; the client base64-encodes it
  Tags instance_tags;
};

class Ec2Api {
 public:
  virtual ~Ec2Api() = default;
  virtual Result<std::vector<Ec2Instance>> run_instances(const RunInstancesRequest& req) = 0;
  virtual Result<std::vector<InstanceStateChange>> terminate_instances(const std::vector<std::string>& ids) = 0;
  // Follows NextToken until the last page. `ids` empty = no InstanceId filter.
  virtual Result<std::vector<Ec2Instance>> describe_instances(const std::vector<Filter>& filters,
                                                              const std::vector<std::string>& ids = {}) = 0;
  // The same reply handed over one page at a time, so that a caller can convert or drop each page
  // before the next one is parsed (a 100k-node cluster's full list is ~170 MB of Ec2Instance).
  // The default hands over describe_instances() as one page; Ec2Client pages for real. A page
  // callback's error stops the pagination and is returned.
  using InstancePageSink = std::function<Status(std::vector<Ec2Instance>&& page)>;
  virtual Status describe_instances_by_page(const std::vector<Filter>& filters, const InstancePageSink& on_page);
  virtual Result<std::vector<InstanceStatus>> describe_instance_status(const std::vector<Filter>& filters,
                                                                       const std::vector<std::string>& ids = {},
                                                                       bool include_all_instances = false) = 0;
  virtual Status create_tags(const std::vector<std::string>& ids, const Tags& tags) = 0;
  virtual Status create_launch_template(const LaunchTemplateRequest& req) = 0;
  virtual Status delete_launch_template(const std::string& name) = 0;
  // Not pure, so fakes that never launch fleets need not implement it: the default refuses.
  virtual Result<CreateFleetResult> create_fleet(const CreateFleetRequest& req);
};

// ClientConfig (endpoint, region, credentials, max_attempts) is in aws/client_config.h.

// The Query-protocol client. Thread-compatible (one per thread).
class Ec2Client : public Ec2Api {
 public:
  Ec2Client(ClientConfig config, std::unique_ptr<HttpClient> http);
  // Tests inject a clock, a sleeper that does not sleep, and a fixed jitter source.
  Ec2Client(ClientConfig config, std::unique_ptr<HttpClient> http, AwsClientHooks hooks);
  ~Ec2Client() override;
  Result<std::vector<Ec2Instance>> run_instances(const RunInstancesRequest& req) override;
  Result<std::vector<InstanceStateChange>> terminate_instances(const std::vector<std::string>& ids) override;
  Result<std::vector<Ec2Instance>> describe_instances(const std::vector<Filter>& filters,
                                                      const std::vector<std::string>& ids = {}) override;
  Status describe_instances_by_page(const std::vector<Filter>& filters, const InstancePageSink& on_page) override;
  Result<std::vector<InstanceStatus>> describe_instance_status(const std::vector<Filter>& filters,
                                                               const std::vector<std::string>& ids = {},
                                                               bool include_all_instances = false) override;
  Status create_tags(const std::vector<std::string>& ids, const Tags& tags) override;
  Status create_launch_template(const LaunchTemplateRequest& req) override;
  Status delete_launch_template(const std::string& name) override;
  Result<CreateFleetResult> create_fleet(const CreateFleetRequest& req) override;

 private:
  // Sends one Query action (form body already encoded) and returns the reply body.
  Result<std::string> call(const std::string& form_body);

  std::unique_ptr<AwsClient> client_;  // signing, retries, transport
};

// Parsers for EC2 XML replies, exposed for tests, fuzzing and benchmarks.
// parse_describe_instances reads a large reply one <instancesSet> at a time (ec2_parse.cpp says
// how) and falls back to parse_describe_instances_whole_document, the reference reading (one DOM
// of the whole reply), whenever the reply does not have that shape; both give the same instances,
// next token and errors for every input.
Result<std::vector<Ec2Instance>> parse_describe_instances(const std::string& xml, std::string* next_token);
Result<std::vector<Ec2Instance>> parse_describe_instances_whole_document(const std::string& xml,
                                                                         std::string* next_token);
Result<std::vector<Ec2Instance>> parse_run_instances(const std::string& xml);
Result<std::vector<InstanceStatus>> parse_describe_instance_status(const std::string& xml, std::string* next_token);
Result<std::vector<InstanceStateChange>> parse_terminate_instances(const std::string& xml);
Result<CreateFleetResult> parse_create_fleet(const std::string& xml);
// The CreateFleet form exactly as Ec2Client sends it (for tests and for the local cloud's checks).
std::string encode_create_fleet(const CreateFleetRequest& req);
// Maps an HTTP status and an EC2 error reply body to an Error (see the table above).
Error parse_ec2_error(int http_status, const std::string& body);

}  // namespace ebbflow::aws
