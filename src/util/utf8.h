#pragma once
// UTF-8 validation for text that must be UTF-8 (YAML files, JSON we write). Strict, as RFC 3629:
// no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
#include <cstddef>
#include <optional>
#include <string_view>

namespace ebbflow::util {

// Offset of the first byte that does not start a valid UTF-8 sequence (or of a sequence cut short
// by the end of the text); nullopt when the whole text is valid.
std::optional<size_t> find_invalid_utf8(std::string_view text);

}  // namespace ebbflow::util
