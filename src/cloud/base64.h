// Standard base64 (RFC 4648, with padding), for EC2 UserData.
#pragma once

#include <optional>
#include <string>

namespace ebbflow::cloud {

std::string base64_encode(const std::string& bytes);
// nullopt when `text` is not valid base64 (whitespace is ignored, as EC2 does).
std::optional<std::string> base64_decode(const std::string& text);

}  // namespace ebbflow::cloud
