#include "util/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace ebbflow::util {
namespace {

TEST(Utf8, AcceptsAsciiAndEveryWellFormedLength) {
  EXPECT_EQ(find_invalid_utf8(""), std::nullopt);
  EXPECT_EQ(find_invalid_utf8("plain ascii\n"), std::nullopt);
  EXPECT_EQ(find_invalid_utf8("\xC2\x80 \xDF\xBF"), std::nullopt);                  // U+0080, U+07FF
  EXPECT_EQ(find_invalid_utf8("\xE0\xA0\x80 \xED\x9F\xBF \xEE\x80\x80"), std::nullopt);  // U+0800, U+D7FF, U+E000
  EXPECT_EQ(find_invalid_utf8("\xF0\x90\x80\x80 \xF4\x8F\xBF\xBF"), std::nullopt);  // U+10000, U+10FFFF
  EXPECT_EQ(find_invalid_utf8(std::string("a\0b", 3)), std::nullopt);              // NUL is a character
}

TEST(Utf8, NamesTheFirstBadByte) {
  EXPECT_EQ(find_invalid_utf8("ab\xFF"), 2u);
  EXPECT_EQ(find_invalid_utf8("a\x80"), 1u);              // continuation byte alone
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);           // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xC1\xBF"), 0u);           // overlong
  EXPECT_EQ(find_invalid_utf8("\xE0\x9F\xBF"), 0u);       // overlong 3-byte
  EXPECT_EQ(find_invalid_utf8("\xF0\x8F\xBF\xBF"), 0u);   // overlong 4-byte
  EXPECT_EQ(find_invalid_utf8("x\xED\xA0\x80"), 1u);      // UTF-16 surrogate U+D800
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);   // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(find_invalid_utf8("ok \xE2\x82"), 3u);        // cut short by the end
  EXPECT_EQ(find_invalid_utf8("\xE2\x28\xA1"), 0u);       // second byte not a continuation
  EXPECT_EQ(find_invalid_utf8("\xF0\x90\x28\x80"), 0u);   // third byte not a continuation
}

}  // namespace
}  // namespace ebbflow::util
