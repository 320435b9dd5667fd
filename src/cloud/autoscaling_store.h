// Durable Auto Scaling state: one table in its own SQLite file (autoscaling.db in the state
// directory), one row per group holding the group as JSON (members and notification
// configurations included). Its own file, so its writes never wait on the EC2 store's.
// Not thread-safe (AutoScalingService locks).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cloud/autoscaling_model.h"
#include "sqlite/database.h"
#include "util/result.h"

namespace ebbflow::cloud {

class AsgStore {
 public:
  static Result<std::unique_ptr<AsgStore>> open(const std::string& path);
  ~AsgStore();
  AsgStore(const AsgStore&) = delete;
  AsgStore& operator=(const AsgStore&) = delete;

  Status put(const AsgGroup& g);  // upsert
  Status remove(const std::string& name);
  Result<std::vector<AsgGroup>> load();

 private:
  explicit AsgStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace ebbflow::cloud
