// The local cloud's durable state: one SQLite file (WAL mode) in the state directory.
//
// Holds instances, launch templates, client tokens (RunInstances idempotency) and injected
// faults, so a restarted server knows what it launched. Every mutating call is one
// transaction. The server keeps its working copy in memory and writes through this store;
// reads happen only at start-up. Not thread-safe (the caller locks).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cloud/faults.h"
#include "cloud/model.h"
#include "sqlite/database.h"
#include "util/result.h"

namespace ebbflow::cloud {

class CloudStore {
 public:
  // Opens (creating if needed) the database file and its schema.
  static Result<std::unique_ptr<CloudStore>> open(const std::string& path);
  ~CloudStore();
  CloudStore(const CloudStore&) = delete;
  CloudStore& operator=(const CloudStore&) = delete;

  Status put_instances(const std::vector<const Instance*>& instances);  // upsert, one transaction
  Status put_instance(const Instance& inst) { return put_instances({&inst}); }
  Status delete_instance(const std::string& id);
  Result<std::vector<Instance>> load_instances();

  Status put_launch_template(const LaunchTemplate& lt);
  Status delete_launch_template(const std::string& name);
  Result<std::vector<LaunchTemplate>> load_launch_templates();

  // Client tokens: token -> the instance ids its RunInstances call created.
  Status put_client_token(const std::string& token, const std::vector<std::string>& ids, int64_t now);
  Result<std::vector<std::pair<std::string, std::vector<std::string>>>> load_client_tokens();

  Status save_faults(const std::vector<Fault>& faults);  // replaces the whole table
  Result<std::vector<Fault>> load_faults();

 private:
  explicit CloudStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace ebbflow::cloud
