// Rootless mini's engine side: the maps asked of newuidmap, the cgroup
// choice, and the spec a rootless root can honour.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "engine/rootless.h"
#include "engine/spec_builder.h"

namespace mini {
namespace {

using ::testing::HasSubstr;
using ::testing::ElementsAre;
using nlohmann::json;

TEST(RootlessMaps, ARangeInBothFilesMapsTheUserThenTheRange) {
  auto maps = engine::plan_rootless_maps(1000, 1001, "alice", "bob:200000:65536\nalice:100000:65536\n",
                                         "1000:300000:65536\n");
  ASSERT_TRUE(maps.full());
  EXPECT_THAT(maps.uid_args(), ElementsAre("0", "1000", "1", "1", "100000", "65536"));
  EXPECT_THAT(maps.gid_args(), ElementsAre("0", "1001", "1", "1", "300000", "65536")) << "by uid number, too";
}

TEST(RootlessMaps, NoRangeOrOnlyOneMapsTheUserAlone) {
  auto maps = engine::plan_rootless_maps(1000, 1000, "alice", "alice:100000:65536\n", "");
  EXPECT_FALSE(maps.full());
  EXPECT_THAT(maps.uid_args(), ElementsAre("0", "1000", "1"));
  EXPECT_THAT(engine::single_id_notice("alice"), HasSubstr("chown inside the container fails"));
}

runtime::cgroup::Hierarchy v2_only() {
  runtime::cgroup::Hierarchy h;
  h.unified = "/sys/fs/cgroup";
  return h;
}

TEST(RootlessCgroups, V1SaysWhichLimitsAreIgnoredAndWhy) {
  runtime::cgroup::Hierarchy hybrid;
  hybrid.unified = "/sys/fs/cgroup/unified";
  hybrid.v1_mounts["memory"] = "/sys/fs/cgroup/memory";
  json resources = {{"memory", {{"limit", 33554432}}}, {"pids", {{"limit", 50}}}};
  auto plan = engine::plan_rootless_cgroups(resources, "abc", hybrid, "", [](auto&) { return true; },
                                            [](auto&) { return std::string(); });
  EXPECT_EQ(plan.driver, runtime::CgroupDriver::None);
  EXPECT_THAT(plan.ignored, HasSubstr("--memory and --pids-limit are ignored"));
  EXPECT_THAT(plan.ignored, HasSubstr("cgroup v1"));
  EXPECT_EQ(plan.ignored.find('\n'), std::string::npos);
  // Nothing asked for: nothing to say.
  plan = engine::plan_rootless_cgroups(json::object(), "abc", hybrid, "", [](auto&) { return true; },
                                       [](auto&) { return std::string(); });
  EXPECT_EQ(plan.ignored, "");
}

TEST(RootlessCgroups, DelegatedV2GetsACgroupBesideMinisOwn) {
  json resources = {{"memory", {{"limit", 33554432}}}};
  std::string self = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/term.scope\n";
  auto read = [](const std::filesystem::path&) { return std::string("cpu memory pids\n"); };
  auto plan = engine::plan_rootless_cgroups(
      resources, "abc", v2_only(), self, [](const std::filesystem::path&) { return true; }, read);
  EXPECT_EQ(plan.driver, runtime::CgroupDriver::CgroupfsV2);
  EXPECT_EQ(plan.cgroups_path, "/user.slice/user-1000.slice/user@1000.service/app.slice/mini-abc");
  EXPECT_EQ(plan.ignored, "");
  // Not the user's: ignored, saying so.
  plan = engine::plan_rootless_cgroups(resources, "abc", v2_only(), self,
                                       [](const std::filesystem::path&) { return false; }, read);
  EXPECT_EQ(plan.driver, runtime::CgroupDriver::None);
  EXPECT_THAT(plan.ignored, HasSubstr("not delegated"));
  // Delegated without the controller a limit needs.
  plan = engine::plan_rootless_cgroups({{"pids", {{"limit", 5}}}}, "abc", v2_only(), self,
                                       [](const std::filesystem::path&) { return true; },
                                       [](const std::filesystem::path&) { return std::string("cpu memory\n"); });
  EXPECT_THAT(plan.ignored, HasSubstr("lacks the pids controller"));
}

engine::SpecInputs rootless_inputs() {
  engine::SpecInputs in;
  in.image_config = {{"config", {{"Cmd", {"sh"}}}}};
  in.container_id = std::string(64, 'a');
  in.rootless = true;
  return in;
}

json mount_at(const json& spec, const std::string& destination) {
  for (const auto& m : spec["mounts"])
    if (m["destination"] == destination) return m;
  return nullptr;
}

TEST(RootlessSpec, NoUserNamespaceAndCgroupsBoundFromTheHost) {
  auto in = rootless_inputs();
  json spec = engine::build_spec(in);
  for (const auto& ns : spec["linux"]["namespaces"]) EXPECT_NE(ns["type"], "user");
  EXPECT_EQ(mount_at(spec, "/sys/fs/cgroup")["type"], "bind");
  EXPECT_EQ(mount_at(spec, "/sys")["type"], "sysfs") << "its own network namespace: a sysfs of its own";
  EXPECT_THAT(mount_at(spec, "/dev/pts")["options"].dump(), HasSubstr("gid=5"));
  in.host_network = true;
  in.single_id = true;
  spec = engine::build_spec(in);
  EXPECT_EQ(mount_at(spec, "/sys")["type"], "bind") << "the host's network namespace is not the user's to mount";
  EXPECT_THAT(mount_at(spec, "/dev/pts")["options"].dump(), ::testing::Not(HasSubstr("gid=5")))
      << "a single-id namespace has no gid 5";
}

}  // namespace
}  // namespace mini
