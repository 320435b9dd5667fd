// The form encoding of the AWS Query protocols (EC2, AutoScaling, SQS-query): an ordered list
// of Name=Value pairs, percent-encoded with the SigV4 rules, plus base64 for EC2 UserData.
// The decoder is the inverse (the local cloud and tests use it); it also accepts '+' for space.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ebbflow::aws {

class QueryForm {
 public:
  QueryForm(std::string_view action, std::string_view version);
  QueryForm& add(std::string key, std::string value);
  QueryForm& add(std::string key, long long value) { return add(std::move(key), std::to_string(value)); }
  QueryForm& add_bool(std::string key, bool value) { return add(std::move(key), value ? "true" : "false"); }
  // "Prefix.1", "Prefix.2", ...: the EC2 flattened-list convention.
  QueryForm& add_list(const std::string& prefix, const std::vector<std::string>& values);
  const std::vector<std::pair<std::string, std::string>>& params() const { return params_; }
  std::string encode() const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// Decodes "a=1&b=x%20y" into pairs, in order. Malformed escapes are kept literally.
std::vector<std::pair<std::string, std::string>> decode_form(std::string_view body);

std::string base64_encode(std::string_view data);

}  // namespace ebbflow::aws
