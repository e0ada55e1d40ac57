#include "registry/config.h"

#include <gtest/gtest.h>


namespace mini::registry {
namespace {

TEST(RegistryConfig, InsecureRegistries) {
  RegistryConfig config;
  config.insecure = {"10.1.2.3:5000", "192.168.0.0/16", "plainhost"};
  EXPECT_TRUE(is_insecure_registry(config, "10.1.2.3:5000"));
  EXPECT_FALSE(is_insecure_registry(config, "10.1.2.3:5001"));
  EXPECT_TRUE(is_insecure_registry(config, "192.168.4.5:443"));
  EXPECT_TRUE(is_insecure_registry(config, "192.168.4.5"));
  EXPECT_FALSE(is_insecure_registry(config, "192.169.0.1"));
  EXPECT_TRUE(is_insecure_registry(config, "plainhost"));
  EXPECT_FALSE(is_insecure_registry(config, "registry.example.com"));
  // Loopback is always allowed, as in Docker.
  RegistryConfig none;
  EXPECT_TRUE(is_insecure_registry(none, "127.0.0.1:5000"));
  EXPECT_TRUE(is_insecure_registry(none, "127.3.2.1"));
  EXPECT_TRUE(is_insecure_registry(none, "localhost:5000"));
  EXPECT_TRUE(is_insecure_registry(none, "[::1]:5000"));
  EXPECT_FALSE(is_insecure_registry(none, "docker.io"));
}

}  // namespace
}  // namespace mini::registry
