// Fuzzes the cluster configuration loader (config::load_cluster_config_string).
//
// Properties: a config comes back exactly when there are no issues; every issue names a
// message; and a config that loads is stable: its JSON view (config::to_json, every value with
// defaults filled in, keys spelled as in the YAML) is itself a valid config (JSON is YAML) that
// loads to the same JSON. That catches a value the parser accepts but the validator would
// reject, and defaults that depend on how a value was written.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/cluster_config.h"
#include "config/config_json.h"
#include "fuzz_check.h"

using namespace ebbflow;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string yaml(reinterpret_cast<const char*>(data), size);
  config::LoadResult r = config::load_cluster_config_string(yaml, "fuzz.yaml");
  FUZZ_CHECK(r.config.has_value() == r.issues.empty(), "config present iff no issues");
  for (const auto& issue : r.issues) FUZZ_CHECK(!issue.message.empty(), "issue without a message at " + issue.path);
  if (!r.config) return 0;

  const nlohmann::json first = config::to_json(*r.config);
  const std::string again = first.dump();
  config::LoadResult r2 = config::load_cluster_config_string(again, "fuzz-again.yaml");
  std::string why = again;
  for (const auto& issue : r2.issues) why += "\n  " + issue.to_string("fuzz-again.yaml");
  FUZZ_CHECK(r2.config.has_value(), "the JSON view of a valid config does not load: " + why);
  const nlohmann::json second = config::to_json(*r2.config);
  FUZZ_CHECK(first == second, "reloading changed the config:\n  " + again + "\n  " + second.dump());
  return 0;
}
