// Byte counts: Docker's units in, mini's two styles out.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/bytes.h"
#include "common/error.h"

namespace mini {
namespace {

using ::testing::HasSubstr;

TEST(Bytes, SizesTakeDockersBinaryUnits) {
  EXPECT_EQ(parse_byte_size("0", "x"), 0u);
  EXPECT_EQ(parse_byte_size("1048576", "x"), 1048576u);
  EXPECT_EQ(parse_byte_size("512k", "x"), 512u << 10);
  EXPECT_EQ(parse_byte_size("64MB", "x"), 64u << 20);
  EXPECT_EQ(parse_byte_size("64 MiB", "x"), 64u << 20);
  EXPECT_EQ(parse_byte_size("20g", "x"), 20ull << 30);
  EXPECT_EQ(parse_byte_size("1.5G", "x"), 3ull << 29);
  EXPECT_EQ(parse_byte_size("2t", "x"), 2ull << 40);
  EXPECT_EQ(parse_byte_size("100b", "x"), 100u);
  for (const char* bad : {"", "lots", "-1", "1.2.3", "12 parsecs", "1e9", "99999999999999999999999", ".", "5kk"}) {
    try {
      parse_byte_size(bad, "MINI_MAX_LAYER_BYTES");
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("MINI_MAX_LAYER_BYTES must be a size"));
    }
  }
}

TEST(Bytes, Binary) {
  EXPECT_EQ(binary_bytes(500), "500 B");
  EXPECT_EQ(binary_bytes(64ull << 20), "64.0 MiB");
  EXPECT_EQ(binary_bytes(3ull << 29), "1.5 GiB");
  EXPECT_EQ(binary_bytes(~0ull), "16.0 EiB");
}

TEST(Bytes, DecimalAsDocker) {
  EXPECT_EQ(decimal_bytes(512, 3), "512B");
  EXPECT_EQ(decimal_bytes(3623807, 3), "3.62MB");
  EXPECT_EQ(decimal_bytes(886160, 4), "886.2kB");
  EXPECT_EQ(decimal_bytes(2226327, 4), "2.226MB");
}

}  // namespace
}  // namespace mini
