// store/image_config: a hostile image config is refused naming the field,
// never with a JSON library's message, and never with a NUL inside.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "store/image.h"
#include "store/image_config.h"

namespace mini::store {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string refusal(const json& config) {
  try {
    validate_image_config(config);
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a mini::Error: ") + e.what();
  }
  return "accepted";
}

TEST(ImageConfig, TypeErrorsNameTheField) {
  EXPECT_THAT(refusal({{"config", {{"Env", {42}}}}}), HasSubstr("config.Env[0]: expected a string, got a number"));
  EXPECT_THAT(refusal({{"config", {{"Env", "PATH=/bin"}}}}), HasSubstr("config.Env: expected an array of strings"));
  EXPECT_THAT(refusal({{"config", {{"User", 0}}}}), HasSubstr("config.User: expected a string"));
  EXPECT_THAT(refusal({{"config", {{"Cmd", {"sh", {{"x", 1}}}}}}}),
              HasSubstr("config.Cmd[1]: expected a string, got an object"));
  EXPECT_THAT(refusal({{"config", {{"Labels", {{"a", 1}}}}}}), HasSubstr("config.Labels[\"a\"]: expected a string"));
  EXPECT_THAT(refusal({{"config", {{"Healthcheck", {{"Retries", "3"}}}}}}),
              HasSubstr("config.Healthcheck.Retries: expected an integer"));
  EXPECT_THAT(refusal({{"config", {{"ExposedPorts", {"80/tcp"}}}}}), HasSubstr("config.ExposedPorts: expected an object"));
  EXPECT_THAT(refusal({{"config", 7}}), HasSubstr("config: expected an object"));
  EXPECT_THAT(refusal({{"architecture", {1}}}), HasSubstr("architecture: expected a string"));
  EXPECT_THAT(refusal({{"config", {{"Env", {"A=1"}}}}, {"container_config", {{"Cmd", {1}}}}}),
              HasSubstr("container_config.Cmd[0]"));
}

TEST(ImageConfig, NulBytesAreRefused) {
  EXPECT_THAT(refusal({{"config", {{"Env", {std::string("A=1\0B=2", 7)}}}}}),
              HasSubstr("config.Env[0]: contains a NUL byte"));
  EXPECT_THAT(refusal({{"config", {{"WorkingDir", std::string("/data\0/../etc", 13)}}}}),
              HasSubstr("config.WorkingDir: contains a NUL byte"));
  EXPECT_THAT(refusal({{"config", {{"Entrypoint", std::string("/bin/sh\0x", 9)}}}}), HasSubstr("config.Entrypoint"));
  EXPECT_THAT(refusal({{"config", {{"Volumes", {{std::string("/v\0x", 4), json::object()}}}}}}),
              HasSubstr("config.Volumes: a key contains a NUL byte"));
}

TEST(ImageConfig, WhatDockerAcceptsIsAccepted) {
  EXPECT_EQ(refusal(json::object()), "accepted");
  EXPECT_EQ(refusal({{"config", nullptr}}), "accepted");
  EXPECT_EQ(refusal({{"architecture", "amd64"},
                     {"os", "linux"},
                     {"config",
                      {{"Env", {"PATH=/bin"}},
                       {"Cmd", nullptr},
                       {"Entrypoint", "/bin/sh"},  // strslice: one string is a one-element list
                       {"Labels", {{"a", "b"}}},
                       {"Volumes", {{"/data", json::object()}}},
                       {"ExposedPorts", {{"80/tcp", json::object()}}},
                       {"Healthcheck", {{"Test", {"CMD", "true"}}, {"Interval", 1000000000}}},
                       {"ArgsEscaped", true},
                       {"SomethingNew", {1, 2, 3}}}}}),
            "accepted");
}

TEST(ImageConfig, LoadingAnImageChecksItsConfig) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  json manifest = {{"config", {{"digest", digest}, {"size", 2u}}}, {"layers", json::array()}};
  json config = {{"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}}, {"config", {{"Env", {1}}}}};
  try {
    image_from_documents(digest, manifest, config);
    FAIL() << "accepted a config whose Env holds a number";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("config.Env[0]: expected a string"));
  }
}

}  // namespace
}  // namespace mini::store
