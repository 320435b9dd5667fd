// A stand-in for an ebbflow process on an instance, for test_imds.py: it calls EC2 with the
// default credential chain (no keys on the command line) and prints one JSON line.
//   imds_probe describe ENDPOINT [INSTANCE_ID]   DescribeInstances; where the credentials came from
//   imds_probe stale ENDPOINT WAIT_S             load credentials once, wait, call with the stale
//                                                copy (expect RequestExpired), then through the chain
//   imds_probe run ENDPOINT TEMPLATE TOKEN TIMEOUT_MS   RunInstances with a ClientToken and a short
//                                                HTTP timeout (retried by the standard retry mode)
#include <chrono>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "aws/credentials.h"
#include "aws/ec2.h"

using namespace ebbflow;

namespace {

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

aws::ClientConfig config_for(const std::string& endpoint, std::shared_ptr<aws::CredentialsProvider> provider) {
  aws::ClientConfig cc;
  cc.endpoint = endpoint;
  auto region = aws::resolve_region();
  cc.region = region.ok() ? *region : "us-east-1";
  cc.credentials_provider = std::move(provider);
  return cc;
}

nlohmann::json describe(aws::Ec2Api& ec2, const std::string& id) {
  std::vector<aws::Filter> filters;
  if (!id.empty()) filters.push_back({"instance-id", {id}});
  auto r = ec2.describe_instances(filters);
  if (!r.ok()) return {{"ok", false}, {"code", r.error().code}, {"message", r.error().message}};
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& i : *r) ids.push_back(i.instance_id);
  return {{"ok", true}, {"ids", ids}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: imds_probe describe|stale|run ENDPOINT ...\n";
    return 2;
  }
  const std::string cmd = argv[1], endpoint = argv[2];
  auto chain = aws::default_credentials_chain();
  auto creds = chain->load(now_s());
  nlohmann::json out;
  if (!creds.ok()) {
    out = {{"ok", false}, {"code", creds.error().code}, {"message", creds.error().message}};
    std::cout << out.dump() << std::endl;
    return 1;
  }
  std::ostringstream printed;
  printed << creds->credentials;  // the redacted form is all that may be printed
  out["source"] = creds->source;
  out["credentials"] = printed.str();
  out["expires_in"] = creds->expiration == 0 ? 0 : creds->expiration - now_s();
  if (cmd == "describe") {
    aws::Ec2Client ec2(config_for(endpoint, chain), std::make_unique<aws::CurlHttpClient>());
    out["describe"] = describe(ec2, argc > 3 ? argv[3] : "");
  } else if (cmd == "stale" && argc > 3) {
    std::this_thread::sleep_for(std::chrono::seconds(std::stoi(argv[3])));
    auto fixed = std::make_shared<aws::StaticCredentialsProvider>(creds->credentials);
    aws::Ec2Client stale(config_for(endpoint, fixed), std::make_unique<aws::CurlHttpClient>());
    out["stale"] = describe(stale, "");
    aws::Ec2Client fresh(config_for(endpoint, chain), std::make_unique<aws::CurlHttpClient>());
    out["fresh"] = describe(fresh, "");
    auto again = chain->load(now_s());
    out["rotated"] = again.ok() && again->credentials.access_key_id != creds->credentials.access_key_id;
  } else if (cmd == "run" && argc > 5) {
    aws::HttpTimeouts t;
    t.total = std::chrono::milliseconds(std::stoi(argv[5]));
    aws::Ec2Client ec2(config_for(endpoint, chain), std::make_unique<aws::CurlHttpClient>(t));
    aws::RunInstancesRequest req;
    req.launch_template_name = argv[3];
    req.client_token = argv[4];
    auto r = ec2.run_instances(req);
    if (!r.ok()) {
      out["run"] = {{"ok", false}, {"code", r.error().code}, {"message", r.error().message}};
    } else {
      nlohmann::json ids = nlohmann::json::array();
      for (const auto& i : *r) ids.push_back(i.instance_id);
      out["run"] = {{"ok", true}, {"ids", ids}};
    }
  } else {
    std::cerr << "unknown command " << cmd << "\n";
    return 2;
  }
  std::cout << out.dump() << std::endl;
  return 0;
}
