// The parameters of an EC2 Query API request (form-encoded body or URL query).
//
// EC2 flattens lists as Name.N (1-based) and structures as Name.N.Member, e.g.
// Filter.1.Name=tag:role&Filter.1.Value.1=compute, InstanceId.3=i-..., TagSpecification.1.Tag.2.Key.
// This class decodes the form once and answers those shapes. Indices need not be contiguous
// (botocore never skips, but a hand-written client may); they are returned in numeric order.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloud/model.h"
#include "util/result.h"

namespace ebbflow::cloud {

struct QueryFilter {
  std::string name;
  std::vector<std::string> values;
};

// application/x-www-form-urlencoded decoding ('+' is a space, %XX a byte).
std::string form_decode(const std::string& s);

class QueryParams {
 public:
  static QueryParams parse(const std::string& form);
  explicit QueryParams(std::map<std::string, std::string> values = {}) : values_(std::move(values)) {}

  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  // Integer parameter; kInvalidInput "InvalidParameterValue" if present but not an integer.
  Result<std::optional<long long>> get_int(const std::string& name) const;
  bool get_bool(const std::string& name) const;  // "true" (any case) is true

  // Values of prefix.1, prefix.2, ... in index order.
  std::vector<std::string> list(const std::string& prefix) const;
  // The indices N for which some key starts with "prefix.N." or equals "prefix.N".
  std::vector<int> indices(const std::string& prefix) const;
  // Filter.N.Name / Filter.N.Value.M.
  std::vector<QueryFilter> filters(const std::string& prefix = "Filter") const;
  // prefix.N.Key / prefix.N.Value.
  Tags tags(const std::string& prefix) const;
  // Tags of the entries of a TagSpecification list whose ResourceType is `resource_type`.
  Tags tag_specifications(const std::string& prefix, const std::string& resource_type) const;

  const std::map<std::string, std::string>& all() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace ebbflow::cloud
