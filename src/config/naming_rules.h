// Rules for queue and compute-resource names, which become parts of Slurm node names.
//
// A queue-mode node is named `{queue}-{st|dy}-{compute_resource}-{N}`, and the daemons recover
// queue, node type and compute resource from a node name with the greedy, anchored regex
// ^([a-z0-9\-]+)-(st|dy)-([a-z0-9\-]+)-\d+$ (reference section 5.1). A name that does not fit
// [a-z0-9-] is dropped as invalid, and a compute-resource name that contains "-st-"/"-dy-" or
// starts with "st-"/"dy-" is split in the wrong place by the greedy first group (node
// "q-st-dy-x-1" of queue "q", resource "dy-x" parses as queue "q-st", resource "x"), so the
// daemons would manage the node as belonging to a queue that does not exist.
#pragma once

#include <optional>
#include <string>

namespace ebbflow::config {

inline constexpr size_t kMaxNameLength = 25;  // as in ParallelCluster 3 (Slurm NodeName length budget)

// nullopt when `name` is a valid queue name, else the reason ("must start with a lowercase letter ...").
std::optional<std::string> check_queue_name(const std::string& name);
// Same for a compute-resource name: the queue rules plus the st/dy ambiguity rule.
std::optional<std::string> check_compute_resource_name(const std::string& name);

}  // namespace ebbflow::config
