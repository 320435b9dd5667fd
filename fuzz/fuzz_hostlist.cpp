// Fuzzes hostlist expansion and compression (core::expand_hostlist / compress_hostlist).
//
// Properties: an expression that expands compresses to one that expands back to the same set of
// names (compress sorts and removes duplicates, so sets are compared), and compressing is a
// fixed point: compress(expand(compress(x))) == compress(x). Errors carry a code and message.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/hostlist.h"
#include "fuzz_check.h"

using namespace ebbflow;

namespace {
std::vector<std::string> as_set(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view expr(reinterpret_cast<const char*>(data), size);
  auto names = core::expand_hostlist(expr);
  fuzz::check_result(names, "expand_hostlist");
  if (!names.ok()) return 0;
  // Expressions may name up to a million nodes; round-tripping those under ASan costs seconds per
  // input. The properties do not depend on size, so large lists are only expanded.
  if (names->size() > 20000) return 0;

  std::string compressed = core::compress_hostlist(*names);
  auto back = core::expand_hostlist(compressed);
  FUZZ_CHECK(back.ok(), "compressed form does not expand: \"" + compressed.substr(0, 300) + "\": " +
                            (back.ok() ? "" : back.error().message));
  FUZZ_CHECK(as_set(*back) == as_set(*names),
             "expand(compress(names)) differs from names; input \"" + std::string(expr.substr(0, 300)) +
                 "\", compressed \"" + compressed.substr(0, 300) + "\"");
  FUZZ_CHECK(core::compress_hostlist(*back) == compressed, "compress is not a fixed point: " + compressed.substr(0, 300));
  return 0;
}
