// Small helpers over pugixml for the AWS XML replies: child text without copies, and the
// ISO 8601 timestamps AWS uses ("2016-08-19T21:05:00.000Z"). Internal to src/aws.
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ebbflow::aws::xml {

// Text of the first child element called `name` ("" when absent).
inline std::string_view text(pugi::xml_node node, const char* name) { return node.child(name).child_value(); }

inline std::string str(pugi::xml_node node, const char* name) { return std::string(text(node, name)); }

// Unix seconds for "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm|-hh:mm]"; nullopt when malformed.
std::optional<int64_t> parse_iso8601(std::string_view s);

}  // namespace ebbflow::aws::xml
