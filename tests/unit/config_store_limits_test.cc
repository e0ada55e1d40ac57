// The layer size limit's sources: MINI_MAX_LAYER_BYTES, then
// "max-layer-size" in the config file, then the default.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "config/config.h"
#include "support/temp_dir.h"

namespace mini::config {
namespace {

using ::testing::HasSubstr;

class ConfigStoreLimits : public test::TempDirTest {
 protected:
  void SetUp() override {
    ::unsetenv("MINI_MAX_LAYER_BYTES");
  }
  void TearDown() override { ::unsetenv("MINI_MAX_LAYER_BYTES"); }
  uint64_t limit(const std::string& text) {
    std::ofstream(dir_ / "config.json") << text;
    return load((dir_ / "config.json").string()).store.max_layer_bytes;
  }
};

TEST_F(ConfigStoreLimits, EnvironmentThenConfigFileThenDefault) {
  EXPECT_EQ(limit("{}"), StoreLimits{}.max_layer_bytes);
  EXPECT_EQ(StoreLimits{}.max_layer_bytes, 32ull << 30);
  EXPECT_EQ(limit(R"({"max-layer-size": "10GB", "bip": "10.88.0.1/16"})"), 10ull << 30);
  EXPECT_EQ(limit(R"({"max-layer-size": 4096})"), 4096u);
  EXPECT_EQ(limit(R"({"max-layer-size": 0})"), 0u);
  ::setenv("MINI_MAX_LAYER_BYTES", "1m", 1);
  EXPECT_EQ(limit(R"({"max-layer-size": 4096})"), 1u << 20);
  ::setenv("MINI_MAX_LAYER_BYTES", "lots", 1);
  EXPECT_THROW(limit("{}"), Error);
}

TEST_F(ConfigStoreLimits, BadValuesNameTheirSource) {
  EXPECT_THROW(limit(R"({"max-layer-size": -5})"), Error);
  EXPECT_THROW(limit(R"({"max-layer-size": "huge"})"), Error);
  EXPECT_THROW(limit("not json"), Error);
  try {
    limit(R"({"max-layer-size": [1]})");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr((dir_ / "config.json").string()));
    EXPECT_THAT(e.what(), HasSubstr("\"max-layer-size\" must be a size"));
  }
}

}  // namespace
}  // namespace mini::config
