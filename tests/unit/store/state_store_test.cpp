#include "store/state_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace ebbflow::store {
namespace {

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ebbflow-store-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/state.db";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_, path_;
};

core::ManagerState sample_state() {
  core::ManagerState st;
  st.replacing["q-st-c-1"] = 1700000000;
  st.missing_instance["q-dy-c-2"] = {"127.0.0.9", 2};
  st.bootstrap_failures[{"q", "c"}] = 3;
  st.insufficient_capacity[{"q", "gpu"}] = {1700000100, "InsufficientInstanceCapacity"};
  st.protected_partitions["q"] = "10 node bootstrap failures";
  st.fleet = core::FleetStatus::kStopped;
  return st;
}

TEST_F(StateStoreTest, ManagerStateSurvivesReopen) {
  {
    auto store = StateStore::open(path_);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    ASSERT_TRUE(store->save_manager_state(sample_state()).ok());
  }
  auto store = StateStore::open(path_);
  ASSERT_TRUE(store.ok());
  auto loaded = store->load_manager_state();
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_EQ(*loaded, sample_state());
}

TEST_F(StateStoreTest, EmptyStoreGivesDefaultState) {
  auto store = StateStore::open(path_);
  ASSERT_TRUE(store.ok());
  auto loaded = store->load_manager_state();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, core::ManagerState{});
}

TEST_F(StateStoreTest, CorruptStateIsInvalidInput) {
  auto store = StateStore::open(path_);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(store->put("manager_state", "{not json").ok());
  auto loaded = store->load_manager_state();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(loaded.error().code, "CorruptState");
}

TEST_F(StateStoreTest, FleetRequestIsConsumedOnce) {
  auto store = StateStore::open(path_);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(store->set_fleet_request(core::FleetStatus::kStopRequested).ok());
  auto first = store->take_fleet_request();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(**first, core::FleetStatus::kStopRequested);
  auto second = store->take_fleet_request();
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

TEST_F(StateStoreTest, PendingIntentIsFoundForTheSameNodesOnly) {
  auto store = StateStore::open(path_);
  ASSERT_TRUE(store.ok());
  LaunchIntent intent{"tok-1", "q", "c", {"q-dy-c-1", "q-dy-c-2"}, 100, "pending", {}};
  ASSERT_TRUE(store->add_intent(intent).ok());
  auto same = store->find_pending_intent("q", "c", {"q-dy-c-1", "q-dy-c-2"});
  ASSERT_TRUE(same.ok());
  ASSERT_TRUE(same->has_value());
  EXPECT_EQ((*same)->client_token, "tok-1");
  auto other = store->find_pending_intent("q", "c", {"q-dy-c-1"});
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  ASSERT_TRUE(store->finish_intent("tok-1", "done", {"i-1", "i-2"}).ok());
  auto after = store->find_pending_intent("q", "c", {"q-dy-c-1", "q-dy-c-2"});
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
  auto pending = store->pending_intents();
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
}

TEST_F(StateStoreTest, FinishedIntentsCountTheirNodesOnceLaunchedAndFailed) {
  auto store = StateStore::open(path_);
  ASSERT_TRUE(store.ok());
  auto counts = store->launch_counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->nodes_launched, 0);
  auto add = [&](const char* token, std::vector<std::string> nodes) {
    ASSERT_TRUE(store->add_intent(LaunchIntent{token, "q", "c", std::move(nodes), 100, "pending", {}}).ok());
  };
  add("t-all", {"q-dy-c-1", "q-dy-c-2"});
  add("t-part", {"q-dy-c-3", "q-dy-c-4", "q-dy-c-5"});
  add("t-none", {"q-dy-c-6"});
  ASSERT_TRUE(store->finish_intent("t-all", "done", {"i-1", "i-2"}).ok());
  ASSERT_TRUE(store->finish_intent("t-part", "done", {"i-3"}).ok());  // 2 of 3 short
  ASSERT_TRUE(store->finish_intent("t-none", "failed", {}).ok());
  ASSERT_TRUE(store->finish_intent("t-all", "done", {"i-1", "i-2"}).ok());  // again: not counted twice
  ASSERT_TRUE(store->finish_intent("t-unknown", "failed", {}).ok());         // no such intent: nothing
  counts = store->launch_counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->nodes_launched, 6);
  EXPECT_EQ(counts->nodes_failed, 3);
  // Another process (slurm_resume) sharing the database adds to the same counts.
  auto other = StateStore::open(path_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->add_intent(LaunchIntent{"t-other", "q", "c", {"q-dy-c-7"}, 100, "pending", {}}).ok());
  ASSERT_TRUE(other->finish_intent("t-other", "done", {"i-7"}).ok());
  counts = store->launch_counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->nodes_launched, 7);
  EXPECT_EQ(counts->nodes_failed, 3);
}

}  // namespace
}  // namespace ebbflow::store
