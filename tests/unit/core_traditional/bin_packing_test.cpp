// optimal_node_count: the vectors of ParallelCluster's OptimalNodeCountTests (reference 2.2,
// 12.2; 8-slot nodes) plus the Torque plugin's cases and edge cases of our own.
#include <gtest/gtest.h>

#include "core/traditional/bin_packing.h"

namespace ebbflow::core {
namespace {

// Requests of `nodes[i]` nodes needing `slots[i]` slots in total, like the original's
// parallel lists.
int count(const std::vector<int>& nodes, const std::vector<int>& slots, int node_slots = 8) {
  std::vector<NodeRequest> requests;
  for (size_t i = 0; i < nodes.size(); ++i) requests.push_back({nodes[i], {{"slots", slots[i]}}});
  return optimal_node_count(requests, {{"slots", node_slots}});
}

TEST(OptimalNodeCount, EmptyLists) { EXPECT_EQ(count({}, {}), 0); }

TEST(OptimalNodeCount, EachNodeAtCapacity) { EXPECT_EQ(count({1, 5, 3}, {8, 40, 24}), 9); }

TEST(OptimalNodeCount, EachNodeHalfCapacity) { EXPECT_EQ(count({1, 5, 3}, {4, 20, 12}), 5); }

TEST(OptimalNodeCount, EachNodeOneVcpuExceptMax) { EXPECT_EQ(count({1, 5, 3}, {1, 40, 1}), 8); }

TEST(OptimalNodeCount, EachNodePartialCapacity) { EXPECT_EQ(count({1, 5, 3, 2}, {6, 35, 1, 1}), 6); }

TEST(OptimalNodeCount, PartsOfOneRequestLandOnDistinctNodes) {
  // 2 nodes x 1 slot each cannot share one node even though that node has 8 free slots.
  EXPECT_EQ(count({2}, {2}), 2);
  // ...but a later request's parts use the room the earlier ones left.
  EXPECT_EQ(count({2, 2}, {2, 2}), 2);
}

TEST(OptimalNodeCount, RoundsPerNodeShareUp) {
  // 5 slots over 2 nodes = 3 per node; the second request's 6 per node no longer fit.
  EXPECT_EQ(count({2, 1}, {5, 6}), 3);
  EXPECT_EQ(count({2, 1}, {5, 5}), 2);
}

TEST(OptimalNodeCount, TorquePluginVectors) {
  // 4-slot nodes: nodes=1:ppn=2 -> 1.
  EXPECT_EQ(count({1}, {2}, 4), 1);
  // ncpus=4; 1:ppn=2+1:ppn=4; 1:ppn=2; nodect=2 -> 5.
  EXPECT_EQ(count({1, 1, 1, 1, 2}, {4, 2, 4, 2, 2}, 4), 5);
  // 2:ppn=4 + nodect=1 -> 3.
  EXPECT_EQ(count({2, 1}, {8, 1}, 4), 3);
}

TEST(OptimalNodeCount, EveryResourceMustFit) {
  std::map<std::string, int> node{{"slots", 8}, {"gpus", 1}};
  // Plenty of slots left on the first node, but its only GPU is taken.
  std::vector<NodeRequest> requests{{1, {{"slots", 1}, {"gpus", 1}}}, {1, {{"slots", 1}, {"gpus", 1}}}};
  EXPECT_EQ(optimal_node_count(requests, node), 2);
  // A CPU-only job shares the first node.
  requests = {{1, {{"slots", 1}, {"gpus", 1}}}, {1, {{"slots", 1}}}};
  EXPECT_EQ(optimal_node_count(requests, node), 1);
}

TEST(OptimalNodeCount, ResourceTheNodeLacksNeverFitsAnExistingNode) {
  // Capacity has no "gpus": each GPU request opens its own node.
  std::vector<NodeRequest> requests{{1, {{"slots", 1}, {"gpus", 1}}}, {1, {{"slots", 1}, {"gpus", 1}}}};
  EXPECT_EQ(optimal_node_count(requests, {{"slots", 8}}), 2);
}

TEST(OptimalNodeCount, ZeroNodeRequestsAreIgnored) {
  std::vector<NodeRequest> requests{{0, {{"slots", 4}}}, {-1, {{"slots", 4}}}, {1, {{"slots", 4}}}};
  EXPECT_EQ(optimal_node_count(requests, {{"slots", 8}}), 1);
}

TEST(OptimalNodeCount, FirstFitIsInOrder) {
  // 6 then 2 then 2: the 2s fill the first node (2 free) then open a second.
  EXPECT_EQ(count({1, 1, 1}, {6, 2, 2}), 2);
  // 6, 6, 2: the 2 goes to the first node with room (node 1).
  EXPECT_EQ(count({1, 1, 1}, {6, 6, 2}), 2);
}

}  // namespace
}  // namespace ebbflow::core
