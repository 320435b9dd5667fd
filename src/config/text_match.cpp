#include "config/text_match.h"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace ebbflow::config {

int edit_distance(std::string_view a, std::string_view b) {
  auto low = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  // One rolling row: O(|b|) memory; inputs are short keys and names.
  std::vector<int> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diag = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int up = row[j];
      int cost = low(a[i - 1]) == low(b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  // A third of the word's length (at least 2) keeps "Regoin"->"Region" and rejects "Foo"->"Region".
  int threshold = std::max<int>(2, static_cast<int>(word.size()) / 3);
  std::string best;
  int best_d = threshold + 1;
  for (const auto& c : candidates) {
    int d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::vector<std::string> nearest_matches(std::string_view word, const std::vector<std::string>& candidates,
                                         size_t limit) {
  std::vector<std::pair<int, size_t>> scored;
  scored.reserve(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) scored.emplace_back(edit_distance(word, candidates[i]), i);
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && out.size() < limit; ++i) out.push_back(candidates[scored[i].second]);
  return out;
}

}  // namespace ebbflow::config
