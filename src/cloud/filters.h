// EC2 describe filters (Filter.N.Name / Filter.N.Value.M) over local-cloud records.
//
// Semantics as on EC2: filters are ANDed; within one filter the values are ORed; a value may
// use the wildcards '*' (any run) and '?' (one character); an unknown filter name is an error
// (InvalidParameterValue), never silently ignored, so a typo cannot widen a query that a daemon
// then acts on.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cloud/model.h"
#include "cloud/query_params.h"
#include "util/result.h"

namespace ebbflow::cloud {

// '*' and '?' wildcards; everything else literal, case-sensitive.
bool wildcard_match(const std::string& pattern, const std::string& text);

// The values an instance has for a DescribeInstances filter name ("tag:K", "tag-key",
// "instance-id", "instance-state-name", "private-ip-address", "private-dns-name",
// "instance-type", "client-token", "launch-template-name" is not EC2's, so not offered).
// Returns false in `known` for a name this cloud does not support.
std::vector<std::string> instance_filter_values(const Instance& inst, const std::string& name, bool* known);

// Checks every filter name with `known_name` (InvalidParameterValue for the first unknown).
Status validate_filters(const std::vector<QueryFilter>& filters,
                        const std::function<bool(const std::string&)>& known_name);

// True when every filter has some value matching some of `values_of(filter.name)`.
bool matches_all(const std::vector<QueryFilter>& filters,
                 const std::function<std::vector<std::string>(const std::string&)>& values_of);

}  // namespace ebbflow::cloud
