#include "registry/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "common/error.h"

namespace mini::registry {
namespace {

TEST(RegistryConfig, DaemonJsonKeys) {
  RegistryConfig config = parse_registry_config(R"({
    "registry-mirrors": ["http://127.0.0.1:5000/", "https://mirror.example"],
    "insecure-registries": ["10.1.2.3:5000", "192.168.0.0/16", "plainhost"],
    "max-concurrent-downloads": 5,
    "max-download-attempts": 4,
    "registry-connect-timeout": 7,
    "registry-stall-timeout": 9,
    "log-level": "debug"
  })",
                                                "test");
  EXPECT_EQ(config.mirrors, (std::vector<std::string>{"http://127.0.0.1:5000", "https://mirror.example"}));
  EXPECT_EQ(config.insecure.size(), 3u);
  EXPECT_EQ(config.max_concurrent_downloads, 5);
  EXPECT_EQ(config.max_download_attempts, 4);
  EXPECT_EQ(config.timeouts.connect_seconds, 7);
  EXPECT_EQ(config.timeouts.stall_seconds, 9);
}

TEST(RegistryConfig, DefaultsAndErrors) {
  RegistryConfig config = parse_registry_config("{}", "test");
  EXPECT_TRUE(config.mirrors.empty());
  EXPECT_EQ(config.max_concurrent_downloads, 3);
  EXPECT_EQ(config.max_download_attempts, 3);
  EXPECT_THROW(parse_registry_config("{", "test"), Error);
  EXPECT_THROW(parse_registry_config("[]", "test"), Error);
  EXPECT_THROW(parse_registry_config(R"({"registry-mirrors": "http://x"})", "test"), Error);
  EXPECT_THROW(parse_registry_config(R"({"registry-mirrors": ["ftp://x"]})", "test"), Error);
  EXPECT_THROW(parse_registry_config(R"({"registry-mirrors": ["https://x/path"]})", "test"), Error);
  EXPECT_THROW(parse_registry_config(R"({"insecure-registries": ["http://x:5000"]})", "test"), Error);
  EXPECT_THROW(parse_registry_config(R"({"max-concurrent-downloads": 0})", "test"), Error);
  try {
    parse_registry_config(R"({"max-download-attempts": "3"})", "config file /etc/mini/config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/etc/mini/config.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("max-download-attempts"), std::string::npos);
  }
}

TEST(RegistryConfig, InsecureRegistries) {
  RegistryConfig config =
      parse_registry_config(R"({"insecure-registries": ["10.1.2.3:5000", "192.168.0.0/16", "plainhost"]})", "test");
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

TEST(RegistryConfig, LoadPrefersFlagThenEnvironment) {
  char tmpl[] = "/tmp/mini-config-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string path = dir + "/config.json";
  FILE* f = fopen(path.c_str(), "w");
  fputs(R"({"max-concurrent-downloads": 2})", f);
  fclose(f);
  EXPECT_EQ(load_registry_config(path).max_concurrent_downloads, 2);
  setenv("MINI_CONFIG", path.c_str(), 1);
  EXPECT_EQ(load_registry_config("").max_concurrent_downloads, 2);
  setenv("MINI_CONFIG", (dir + "/missing.json").c_str(), 1);
  EXPECT_THROW(load_registry_config(""), Error) << "a named config file must exist";
  unsetenv("MINI_CONFIG");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mini::registry
