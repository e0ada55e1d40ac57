#include <gtest/gtest.h>

#include "common/text.h"
#include "common/time.h"

namespace mini {
namespace {

TEST(Text, SplitKeepsEmptyFields) {
  EXPECT_EQ(split("a::b", ':'), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split("", ':'), (std::vector<std::string>{""}));
}

TEST(Text, AsciiLowerTouchesOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("HTTPS://Reg.Example:5000"), "https://reg.example:5000");
  EXPECT_EQ(ascii_lower("\xc3\x89t\xc3\xa9"), "\xc3\x89t\xc3\xa9");  // UTF-8 bytes pass through
}

TEST(Text, Sha256HexIsExactlySixtyFourHexDigits) {
  std::string hex(64, 'a');
  EXPECT_TRUE(is_sha256_hex(hex));
  hex[10] = 'F';
  EXPECT_TRUE(is_sha256_hex(hex));
  hex[10] = 'g';
  EXPECT_FALSE(is_sha256_hex(hex));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(65, 'a')));
}

TEST(Time, Rfc3339HasNanosecondsAndZ) {
  std::string now = now_rfc3339();
  ASSERT_EQ(now.size(), 30u) << now;  // 2026-12-03T11:20:04.123456789Z
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now[19], '.');
  EXPECT_EQ(now.back(), 'Z');
}

}  // namespace
}  // namespace mini
