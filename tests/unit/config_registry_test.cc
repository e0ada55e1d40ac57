// The registry's keys in mini's config file: Docker's daemon.json ones and
// mini's limits on what a hostile registry may make a pull wait for or take.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "common/error.h"
#include "config/config.h"
#include "support/temp_dir.h"

namespace mini::config {
namespace {

Registry parse_registry(std::string_view text, const std::string& origin) { return parse(text, origin).registry; }

TEST(ConfigRegistry, DaemonJsonKeys) {
  Registry config = parse_registry(R"({
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
  EXPECT_EQ(config.connect_timeout_seconds, 7);
  EXPECT_EQ(config.stall_timeout_seconds, 9);
}

TEST(ConfigRegistry, DefaultsAndErrors) {
  Registry config = parse_registry("{}", "test");
  EXPECT_TRUE(config.mirrors.empty());
  EXPECT_EQ(config.max_concurrent_downloads, 3);
  EXPECT_EQ(config.max_download_attempts, 3);
  EXPECT_THROW(parse("{", "test"), Error);
  EXPECT_THROW(parse("[]", "test"), Error);
  EXPECT_THROW(parse(R"({"registry-mirrors": "http://x"})", "test"), Error);
  EXPECT_THROW(parse(R"({"registry-mirrors": ["ftp://x"]})", "test"), Error);
  EXPECT_THROW(parse(R"({"registry-mirrors": ["https://x/path"]})", "test"), Error);
  EXPECT_THROW(parse(R"({"insecure-registries": ["http://x:5000"]})", "test"), Error);
  EXPECT_THROW(parse(R"({"max-concurrent-downloads": 0})", "test"), Error);
  try {
    parse(R"({"max-download-attempts": "3"})", "config file /etc/mini/config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/etc/mini/config.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("max-download-attempts"), std::string::npos);
  }
}

TEST(ConfigRegistry, DeadlinesAndBudgetsAreConfigurable) {
  Registry config = parse_registry(R"({
    "registry-request-timeout": 5,
    "registry-min-speed": "2KB",
    "max-image-layers": 40,
    "max-pull-size": "1GB"
  })",
                                   "test");
  EXPECT_EQ(config.request_timeout_seconds, 5);
  EXPECT_EQ(config.min_bytes_per_second, 2048u);
  EXPECT_EQ(config.max_layers, 40);
  EXPECT_EQ(config.max_pull_bytes, 1ull << 30);

  Registry defaults = parse_registry("{}", "test");
  EXPECT_EQ(defaults.max_layers, 127);
  EXPECT_EQ(defaults.request_timeout_seconds, 60);
  EXPECT_GT(defaults.min_bytes_per_second, 0u);
  EXPECT_EQ(parse_registry(R"({"registry-min-speed": 0, "max-pull-size": 0})", "t").max_pull_bytes, 0u);

  for (const char* bad : {R"({"registry-request-timeout": 0})", R"({"max-image-layers": -1})",
                          R"({"max-pull-size": "lots"})", R"({"registry-min-speed": [1]})"})
    EXPECT_THROW(parse(bad, "test"), Error) << bad;
}

TEST(ConfigNetwork, Bip) {
  EXPECT_EQ(parse("{}", "test").network.bip, "");
  EXPECT_EQ(parse(R"({"bip": "10.88.0.1/16"})", "test").network.bip, "10.88.0.1/16");
  EXPECT_THROW(parse(R"({"bip": 10})", "test"), Error);
}

TEST(ConfigLoad, PrefersFlagThenEnvironment) {
  test::TempDir temp("mini-config");
  std::string dir = temp.path().string();
  std::string path = dir + "/config.json";
  FILE* f = fopen(path.c_str(), "w");
  fputs(R"({"max-concurrent-downloads": 2})", f);
  fclose(f);
  EXPECT_EQ(load(path).registry.max_concurrent_downloads, 2);
  setenv("MINI_CONFIG", path.c_str(), 1);
  EXPECT_EQ(load("").registry.max_concurrent_downloads, 2);
  setenv("MINI_CONFIG", (dir + "/missing.json").c_str(), 1);
  EXPECT_THROW(load(""), Error) << "a named config file must exist";
  unsetenv("MINI_CONFIG");
}

}  // namespace
}  // namespace mini::config
