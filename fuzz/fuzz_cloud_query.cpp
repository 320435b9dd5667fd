// Fuzzes the local cloud's request decoding: the Query form parser (cloud::QueryParams) and the
// EC2 describe filters built from it (cloud/filters.h).
//
// Properties: decoding is stable (re-encoding the decoded parameters with aws::uri_encode and
// parsing again gives the same map); indices are sorted and unique; validate_filters accepts a
// filter list only when every filter has a name the instance model knows; and wildcard_match
// agrees with a plain dynamic-programming matcher (the iterative one backtracks, the easy
// place for an off-by-one). Filters are then evaluated against an instance whose id, state and
// tags come from the same request, checking that matches_all never throws or hangs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "aws/sigv4.h"
#include "cloud/filters.h"
#include "cloud/model.h"
#include "cloud/query_params.h"
#include "fuzz_check.h"

using namespace ebbflow;

namespace {

// Reference matcher: dp[i][j] = pattern[0..i) matches text[0..j).
bool dp_match(const std::string& p, const std::string& t) {
  std::vector<std::vector<char>> dp(p.size() + 1, std::vector<char>(t.size() + 1, 0));
  dp[0][0] = 1;
  for (size_t i = 1; i <= p.size(); ++i) {
    if (p[i - 1] == '*') dp[i][0] = dp[i - 1][0];
    for (size_t j = 1; j <= t.size(); ++j) {
      if (p[i - 1] == '*') dp[i][j] = dp[i - 1][j] || dp[i][j - 1];
      else dp[i][j] = dp[i - 1][j - 1] && (p[i - 1] == '?' || p[i - 1] == t[j - 1]);
    }
  }
  return dp[p.size()][t.size()];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string form(reinterpret_cast<const char*>(data), size);
  cloud::QueryParams params = cloud::QueryParams::parse(form);

  std::string encoded;
  for (const auto& [k, v] : params.all()) {
    if (!encoded.empty()) encoded += '&';
    encoded += aws::uri_encode(k) + "=" + aws::uri_encode(v);
  }
  cloud::QueryParams again = cloud::QueryParams::parse(encoded);
  FUZZ_CHECK(again.all() == params.all(), "form decode/encode does not round trip: " + encoded.substr(0, 300));

  auto idx = params.indices("Filter");
  for (size_t i = 1; i < idx.size(); ++i) FUZZ_CHECK(idx[i - 1] < idx[i], "indices not sorted and unique");
  auto count = params.get_int("MaxResults");
  if (!count.ok()) fuzz::check_error(count.error(), "get_int");

  cloud::Instance inst;
  inst.id = params.get_or("InstanceId.1", "i-0123456789abcdef0");
  inst.state = params.get_or("State", "running");
  inst.private_ip = "127.0.0.5";
  inst.tags = params.tag_specifications("TagSpecification", "instance");
  for (auto& [k, v] : params.tags("Tag")) inst.tags[k] = v;

  auto filters = params.filters();
  auto known = [&](const std::string& name) {
    bool k = false;
    cloud::instance_filter_values(inst, name, &k);
    return k;
  };
  Status valid = cloud::validate_filters(filters, known);
  bool all_known = true;
  for (const auto& f : filters) all_known = all_known && !f.name.empty() && known(f.name);
  FUZZ_CHECK(valid.ok() == all_known, "validate_filters disagrees with the filter names");
  if (!valid.ok()) fuzz::check_error(valid.error(), "validate_filters");

  for (const auto& f : filters) {
    bool k = false;
    auto have = cloud::instance_filter_values(inst, f.name, &k);
    for (const auto& want : f.values)
      for (const auto& v : have)
        if (want.size() <= 64 && v.size() <= 64)
          FUZZ_CHECK(cloud::wildcard_match(want, v) == dp_match(want, v),
                     "wildcard_match(\"" + want + "\", \"" + v + "\") is wrong");
  }
  if (valid.ok()) {
    bool m = cloud::matches_all(filters, [&](const std::string& name) {
      bool k = false;
      return cloud::instance_filter_values(inst, name, &k);
    });
    // A filter without values matches nothing (EC2 rejects it; here it simply never matches).
    for (const auto& f : filters)
      if (f.values.empty()) FUZZ_CHECK(!m, "a filter with no values matched");
  }
  return 0;
}
