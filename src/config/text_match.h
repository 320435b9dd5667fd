// Near-miss suggestions for configuration errors ("did you mean 'MinCount'?").
//
// Typos in keys and instance types are the commonest config mistakes; a suggestion turns a
// puzzling "unknown key" into a one-character fix. Distances ignore case, because a wrong case
// ("region" for "Region") is the most likely typo of all in a case-sensitive format.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ebbflow::config {

// Levenshtein distance between the lower-cased forms of a and b.
int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// Up to `limit` candidates ordered by distance to `word` (ties keep candidate order).
std::vector<std::string> nearest_matches(std::string_view word, const std::vector<std::string>& candidates,
                                         size_t limit);

}  // namespace ebbflow::config
