// The layer size limit: its units, its sources, and how it reads in errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "common/error.h"
#include "store/fs_tree.h"
#include "store/layer_limits.h"

namespace mini::store {
namespace {

using ::testing::HasSubstr;

TEST(StoreLimits, ByteSizesTakeDockersBinaryUnits) {
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

TEST(StoreLimits, FormatBytes) {
  EXPECT_EQ(format_bytes(500), "500 B");
  EXPECT_EQ(format_bytes(64ull << 20), "64.0 MiB");
  EXPECT_EQ(format_bytes(3ull << 29), "1.5 GiB");
  EXPECT_EQ(format_bytes(~0ull), "16.0 EiB");
}

class StoreLimitsConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mini-limits-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    ::unsetenv("MINI_MAX_LAYER_BYTES");
  }
  void TearDown() override {
    ::unsetenv("MINI_MAX_LAYER_BYTES");
    remove_tree(dir_);
  }
  std::filesystem::path config(const std::string& text) {
    std::ofstream(dir_ / "config.json") << text;
    return dir_ / "config.json";
  }
  std::filesystem::path dir_;
};

TEST_F(StoreLimitsConfig, EnvironmentThenConfigFileThenDefault) {
  EXPECT_EQ(max_layer_bytes(dir_ / "missing.json"), kDefaultMaxLayerBytes);
  EXPECT_EQ(max_layer_bytes(config("{}")), kDefaultMaxLayerBytes);
  EXPECT_EQ(max_layer_bytes(config(R"({"max-layer-size": "10GB", "bip": "10.88.0.1/16"})")), 10ull << 30);
  EXPECT_EQ(max_layer_bytes(config(R"({"max-layer-size": 4096})")), 4096u);
  EXPECT_EQ(max_layer_bytes(config(R"({"max-layer-size": 0})")), 0u);
  ::setenv("MINI_MAX_LAYER_BYTES", "1m", 1);
  EXPECT_EQ(max_layer_bytes(config(R"({"max-layer-size": 4096})")), 1u << 20);
}

TEST_F(StoreLimitsConfig, BadValuesNameTheirSource) {
  EXPECT_THROW(max_layer_bytes(config(R"({"max-layer-size": -5})")), Error);
  EXPECT_THROW(max_layer_bytes(config(R"({"max-layer-size": "huge"})")), Error);
  EXPECT_THROW(max_layer_bytes(config("not json")), Error);
  try {
    max_layer_bytes(config(R"({"max-layer-size": [1]})"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr((dir_ / "config.json").string()));
    EXPECT_THAT(e.what(), HasSubstr("\"max-layer-size\" must be a size"));
  }
}

}  // namespace
}  // namespace mini::store
