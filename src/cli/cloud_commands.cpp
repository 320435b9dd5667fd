// `ebbflow cloud ...`: run the local cloud and poke at it.
//   serve      start the server (daemonised unless --foreground)
//   stop       stop it (SIGTERM to the pid in the state dir; instances keep running)
//   fault      inject or clear faults through the signed admin API
//   instances  a table of the cloud's instances
//   env        shell exports for the AWS CLI / boto3 (AWS_ENDPOINT_URL, keys, region)
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cloud/admin_client.h"
#include "cloud/launcher.h"
#include "cloud/server.h"
#include "cloud/state_files.h"

namespace ebbflow::cli {

namespace {

[[noreturn]] void fail(const Error& e) {
  std::cerr << "ebbflow cloud: " << e.describe() << "\n";
  throw CLI::RuntimeError(1);
}

void print_instances(const nlohmann::json& state) {
  std::printf("%-21s %-13s %-14s %-15s %-18s %s\n", "INSTANCE", "TYPE", "STATE", "PRIVATE-IP", "TEMPLATE",
              "REASON");
  for (const auto& i : state["instances"]) {
    std::printf("%-21s %-13s %-14s %-15s %-18s %s\n", i.value("instance_id", "").c_str(),
                i.value("instance_type", "").c_str(), i.value("state", "").c_str(),
                i.value("private_ip", "").c_str(), i.value("launch_template", "").c_str(),
                i.value("state_reason", "").c_str());
  }
}

void register_serve(CLI::App& cloud) {
  auto opts = std::make_shared<cloud::ServeOptions>();
  auto foreground = std::make_shared<bool>(false);
  auto* serve = cloud.add_subcommand("serve", "Run the local cloud (EC2 API, IMDS, fault injection) on 127.0.0.1");
  serve->add_option("--state-dir", opts->state_dir, "State directory (created if needed)")->required();
  serve->add_option("--port", opts->port, "TCP port on 127.0.0.1 (0: pick a free one)")->check(CLI::Range(0, 65535));
  serve->add_option("--address-pool", opts->address_pool, "Instance addresses, a CIDR inside 127.0.0.0/8");
  serve->add_option("--region", opts->region, "Region name the cloud answers for (fixed at first start)");
  serve->add_flag("--foreground", *foreground, "Do not daemonise");
  serve->callback([opts, foreground] {
    if (auto s = cloud::prepare_start(*opts); !s.ok()) fail(s.error());
    if (*foreground) {
      auto s = cloud::serve(*opts, [](const std::string& endpoint) { std::cout << endpoint << std::endl; });
      if (!s.ok()) fail(s.error());
      return;
    }
    auto endpoint = cloud::serve_in_background(*opts);
    if (!endpoint.ok()) fail(endpoint.error());
    std::cout << *endpoint << std::endl;
  });
}

void register_stop(CLI::App& cloud) {
  auto dir = std::make_shared<std::string>();
  auto* stop = cloud.add_subcommand("stop", "Stop the local cloud server (its instances keep running)");
  stop->add_option("--state-dir", *dir, "State directory")->required();
  stop->callback([dir] {
    if (auto s = cloud::stop_server(*dir, 30); !s.ok()) fail(s.error());
  });
}

void register_fault(CLI::App& cloud) {
  auto dir = std::make_shared<std::string>();
  auto* fault = cloud.add_subcommand("fault", "Inject or clear faults in a running local cloud");
  fault->add_option("--state-dir", *dir, "State directory")->required();
  fault->require_subcommand(1);

  auto id = std::make_shared<std::string>();
  auto* kill = fault->add_subcommand("kill-instance", "Kill an instance's processes now (hardware failure)");
  kill->add_option("instance_id", *id, "Instance id")->required();
  kill->callback([dir, id] {
    auto r = cloud::admin_call(*dir, "POST", "kill-instance", {{"instance_id", *id}});
    if (!r.ok()) fail(r.error());
  });

  auto spec = std::make_shared<nlohmann::json>(nlohmann::json::object());
  auto code = std::make_shared<std::string>("InsufficientInstanceCapacity");
  auto message = std::make_shared<std::string>();
  auto type = std::make_shared<std::string>();
  auto count = std::make_shared<int>(1);
  auto* launch = fault->add_subcommand("fail-launch", "Make the next RunInstances call(s) fail");
  launch->add_option("--code", *code, "EC2 error code")->capture_default_str();
  launch->add_option("--message", *message, "Error message");
  launch->add_option("--instance-type", *type, "Only for this instance type");
  launch->add_option("--count", *count, "Number of calls to fail (-1: until cleared)")->capture_default_str();
  launch->callback([dir, code, message, type, count] {
    nlohmann::json body = {{"code", *code}, {"count", *count}};
    if (!message->empty()) body["message"] = *message;
    if (!type->empty()) body["instance_type"] = *type;
    auto r = cloud::admin_call(*dir, "POST", "fail-launch", body);
    if (!r.ok()) fail(r.error());
    std::cout << "fault " << (*r)["fault_id"] << "\n";
  });

  auto kind = std::make_shared<std::string>();
  auto action = std::make_shared<std::string>();
  auto* api = fault->add_subcommand("api-error", "Make API calls fail (throttle: RequestLimitExceeded, "
                                                 "server-error: InternalError)");
  api->add_option("kind", *kind, "throttle | server-error")->required()->check(CLI::IsMember({"throttle", "server-error"}));
  api->add_option("--action", *action, "Only this action (e.g. DescribeInstances)");
  api->add_option("--count", *count, "Number of calls to fail (-1: until cleared)")->capture_default_str();
  api->callback([dir, kind, action, count] {
    nlohmann::json body = {{"kind", *kind}, {"count", *count}};
    if (!action->empty()) body["action"] = *action;
    auto r = cloud::admin_call(*dir, "POST", "add-fault", body);
    if (!r.ok()) fail(r.error());
    std::cout << "fault " << (*r)["fault_id"] << "\n";
  });

  auto check = std::make_shared<std::string>("instance");
  auto* impaired = fault->add_subcommand("impaired-status", "Report an instance's status check as impaired "
                                                            "(DescribeInstanceStatus) from now until cleared");
  impaired->add_option("instance_id", *id, "Instance id")->required();
  impaired->add_option("--kind", *check, "Which status check fails")
      ->check(CLI::IsMember({"instance", "system"}))
      ->capture_default_str();
  impaired->callback([dir, id, check] {
    auto r = cloud::admin_call(*dir, "POST", "impaired-status", {{"instance_id", *id}, {"kind", *check}});
    if (!r.ok()) fail(r.error());
    std::cout << "fault " << (*r)["fault_id"] << "\n";
  });

  auto event = std::make_shared<std::string>("instance-retirement");
  auto* scheduled = fault->add_subcommand("scheduled-event", "Schedule an EC2 event for an instance "
                                                             "(DescribeInstanceStatus eventsSet) until cleared");
  scheduled->add_option("instance_id", *id, "Instance id")->required();
  scheduled->add_option("--code", *event, "Event code")
      ->check(CLI::IsMember({"instance-retirement", "system-maintenance", "instance-reboot", "system-reboot",
                             "instance-stop"}))
      ->capture_default_str();
  scheduled->callback([dir, id, event] {
    auto r = cloud::admin_call(*dir, "POST", "scheduled-event", {{"instance_id", *id}, {"code", *event}});
    if (!r.ok()) fail(r.error());
    std::cout << "fault " << (*r)["fault_id"] << "\n";
  });

  auto boot_count = std::make_shared<int>(1);
  auto* never = fault->add_subcommand("never-bootstrap", "The next launched instance(s) run `sleep infinity` "
                                                         "instead of their user data");
  never->add_option("--count", *boot_count, "Number of instances (-1: until cleared)")->capture_default_str();
  never->add_option("--instance-type", *type, "Only instances of this type");
  never->callback([dir, boot_count, type] {
    nlohmann::json body = {{"count", *boot_count}};
    if (!type->empty()) body["instance_type"] = *type;
    auto r = cloud::admin_call(*dir, "POST", "never-bootstrap", body);
    if (!r.ok()) fail(r.error());
    std::cout << "fault " << (*r)["fault_id"] << "\n";
  });

  auto delay = std::make_shared<int>(10);
  auto* slow = fault->add_subcommand("slow-reply", "Hold back the reply to the next call(s) after the action ran");
  slow->add_option("--action", *action, "Only this action (e.g. RunInstances)");
  slow->add_option("--delay", *delay, "Seconds to hold the reply")->check(CLI::Range(1, 600))->capture_default_str();
  slow->add_option("--count", *count, "Number of calls (-1: until cleared)")->capture_default_str();
  slow->callback([dir, action, delay, count] {
    nlohmann::json body = {{"delay_s", *delay}, {"count", *count}};
    if (!action->empty()) body["action"] = *action;
    auto r = cloud::admin_call(*dir, "POST", "slow-reply", body);
    if (!r.ok()) fail(r.error());
    std::cout << "fault " << (*r)["fault_id"] << "\n";
  });

  auto* clear = fault->add_subcommand("clear", "Remove every injected fault");
  clear->callback([dir] {
    auto r = cloud::admin_call(*dir, "POST", "clear-faults");
    if (!r.ok()) fail(r.error());
  });
}

void register_instances(CLI::App& cloud) {
  auto dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = cloud.add_subcommand("instances", "List the local cloud's instances");
  cmd->add_option("--state-dir", *dir, "State directory")->required();
  cmd->add_flag("--json", *json, "Print the server's full state as JSON");
  cmd->callback([dir, json] {
    auto r = cloud::admin_call(*dir, "GET", "state");
    if (!r.ok()) fail(r.error());
    if (*json) {
      std::cout << r->dump(2) << "\n";
    } else {
      print_instances(*r);
    }
  });
}

void register_env(CLI::App& cloud) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = cloud.add_subcommand("env", "Print shell exports that point the AWS CLI / SDKs at the local cloud");
  cmd->add_option("--state-dir", *dir, "State directory")->required();
  cmd->callback([dir] {
    auto endpoint = cloud::read_endpoint(*dir);
    if (!endpoint.ok()) fail(endpoint.error());
    auto creds = cloud::load_credentials(*dir, false, "");
    if (!creds.ok()) fail(creds.error());
    std::cout << "export AWS_ENDPOINT_URL=" << *endpoint << "\n"
              << "export AWS_ACCESS_KEY_ID=" << creds->credentials.access_key_id << "\n"
              << "export AWS_SECRET_ACCESS_KEY=" << creds->credentials.secret_access_key << "\n"
              << "export AWS_DEFAULT_REGION=" << creds->region << "\n";
  });
}

}  // namespace

void register_cloud_commands(CLI::App& app) {
  auto* cloud = app.add_subcommand("cloud", "The local cloud: an EC2-compatible server on this machine");
  cloud->require_subcommand(1);
  register_serve(*cloud);
  register_stop(*cloud);
  register_fault(*cloud);
  register_instances(*cloud);
  register_env(*cloud);
}

}  // namespace ebbflow::cli
