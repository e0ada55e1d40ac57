// The config file's defaults and the modules' own must not drift apart:
// without a config file, a module behaves as with an empty one.
#include <gtest/gtest.h>

#include "config/config.h"
#include "engine/settings.h"
#include "registry/config.h"
#include "store/layer_limits.h"

namespace mini::engine {
namespace {

TEST(EngineSettings, DefaultsAgree) {
  registry::RegistryConfig from_file = registry_settings(config::parse("{}", "test").registry);
  registry::RegistryConfig own;
  EXPECT_EQ(from_file.max_concurrent_downloads, own.max_concurrent_downloads);
  EXPECT_EQ(from_file.max_download_attempts, own.max_download_attempts);
  EXPECT_EQ(from_file.timeouts.connect_seconds, own.timeouts.connect_seconds);
  EXPECT_EQ(from_file.timeouts.stall_seconds, own.timeouts.stall_seconds);
  EXPECT_EQ(from_file.timeouts.request_seconds, own.timeouts.request_seconds);
  EXPECT_EQ(from_file.timeouts.min_bytes_per_second, own.timeouts.min_bytes_per_second);
  EXPECT_EQ(from_file.max_layers, own.max_layers);
  EXPECT_EQ(from_file.max_pull_bytes, own.max_pull_bytes);
  EXPECT_EQ(config::StoreLimits{}.max_layer_bytes, store::kDefaultMaxLayerBytes);
}

TEST(EngineSettings, RegistryValuesPassThrough) {
  config::Registry in = config::parse(R"({"registry-mirrors": ["https://m.example"], "insecure-registries":
      ["10.0.0.0/8"], "max-concurrent-downloads": 5, "registry-stall-timeout": 9, "max-pull-size": 0})",
                                      "test")
                            .registry;
  registry::RegistryConfig out = registry_settings(in);
  EXPECT_EQ(out.mirrors, in.mirrors);
  EXPECT_EQ(out.insecure, in.insecure);
  EXPECT_EQ(out.max_concurrent_downloads, 5);
  EXPECT_EQ(out.timeouts.stall_seconds, 9);
  EXPECT_EQ(out.max_pull_bytes, 0u);
}

}  // namespace
}  // namespace mini::engine
