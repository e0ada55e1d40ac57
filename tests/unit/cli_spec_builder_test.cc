#include "cli/spec_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "runtime/spec.h"

namespace mini::cli {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

json image_config(json config) { return json{{"architecture", "amd64"}, {"os", "linux"}, {"config", config}}; }

SpecInputs inputs(json config, RunFlags flags = {}) {
  SpecInputs in;
  in.image_config = image_config(std::move(config));
  in.flags = std::move(flags);
  in.container_id = std::string(64, 'c');
  return in;
}

TEST(SpecBuilder, CommandReplacesImageCmdAndKeepsEntrypoint) {
  json config = {{"Entrypoint", {"/docker-entrypoint.sh"}}, {"Cmd", {"nginx", "-g", "daemon off;"}}};
  EXPECT_THAT(resolve_args(image_config(config), {}), ElementsAre("/docker-entrypoint.sh", "nginx", "-g", "daemon off;"));
  RunFlags flags;
  flags.command = {"sh"};
  EXPECT_THAT(resolve_args(image_config(config), flags), ElementsAre("/docker-entrypoint.sh", "sh"));
}

TEST(SpecBuilder, EntrypointOverrideDropsImageCmd) {
  json config = {{"Entrypoint", {"/entry"}}, {"Cmd", {"default"}}};
  RunFlags flags;
  flags.entrypoint = "/bin/echo";
  EXPECT_THAT(resolve_args(image_config(config), flags), ElementsAre("/bin/echo"));
  flags.command = {"hi"};
  EXPECT_THAT(resolve_args(image_config(config), flags), ElementsAre("/bin/echo", "hi"));
  flags.entrypoint = "";
  EXPECT_THAT(resolve_args(image_config(config), flags), ElementsAre("hi"));
}

TEST(SpecBuilder, NoCommandIsAnError) { EXPECT_THROW(build_spec(inputs(json::object())), Error); }

TEST(SpecBuilder, EnvLayersImageThenFileThenFlags) {
  RunFlags flags;
  flags.env_file = {"A=file", "B=file"};
  flags.env = {"B=flag", "FROM_HOST", "UNSET_ON_HOST"};
  SpecInputs in = inputs({{"Env", {"PATH=/img/bin", "A=image"}}, {"Cmd", {"sh"}}}, flags);
  in.host_env = [](const std::string& key) -> std::optional<std::string> {
    if (key == "FROM_HOST") return "host";
    return std::nullopt;
  };
  auto env = resolve_env(in, "box");
  EXPECT_THAT(env, Contains("PATH=/img/bin"));
  EXPECT_THAT(env, Contains("A=file"));
  EXPECT_THAT(env, Contains("B=flag"));
  EXPECT_THAT(env, Contains("FROM_HOST=host"));
  EXPECT_THAT(env, Contains("HOSTNAME=box"));
  EXPECT_THAT(env, Contains("HOME=/root"));
  for (const auto& e : env) EXPECT_EQ(e.rfind("UNSET_ON_HOST", 0), std::string::npos) << e;
}

TEST(SpecBuilder, DefaultPathAndTermForTty) {
  RunFlags flags;
  flags.tty = true;
  auto env = resolve_env(inputs({{"Cmd", {"sh"}}}, flags), "h");
  EXPECT_EQ(env.front(), kDefaultPath);
  EXPECT_THAT(env, Contains("TERM=xterm"));
  EXPECT_THAT(resolve_env(inputs({{"Cmd", {"sh"}}}), "h"), Not(Contains("TERM=xterm")));
}

TEST(SpecBuilder, DocumentIsAValidRuntimeSpec) {
  RunFlags flags;
  flags.workdir = "/tmp";
  flags.hostname = "myhost";
  SpecInputs in = inputs({{"Cmd", {"sh"}}, {"WorkingDir", "/srv"}}, flags);
  in.etc_hosts = "/store/containers/x/hosts";
  json doc = build_spec(in);
  EXPECT_EQ(doc["process"]["cwd"], "/tmp");
  EXPECT_EQ(doc["hostname"], "myhost");
  EXPECT_EQ(doc["root"]["path"], "rootfs");

  runtime::Spec spec = runtime::parse_spec(doc);
  EXPECT_EQ(spec.process.args, std::vector<std::string>{"sh"});
  for (const char* ns : {"pid", "network", "ipc", "uts", "mount", "cgroup"}) EXPECT_TRUE(spec.has_namespace(ns)) << ns;
  EXPECT_FALSE(spec.has_namespace("user"));
  bool hosts_bound = false;
  for (const auto& m : spec.mounts) hosts_bound |= m.destination == "/etc/hosts" && m.source == in.etc_hosts;
  EXPECT_TRUE(hosts_bound);
  EXPECT_THAT(spec.masked_paths, Contains("/proc/kcore"));
  EXPECT_THAT(spec.readonly_paths, Contains("/proc/sys"));
}

TEST(SpecBuilder, HostnameDefaultsToShortId) {
  json doc = build_spec(inputs({{"Cmd", {"sh"}}}));
  EXPECT_EQ(doc["hostname"], std::string(12, 'c'));
}

TEST(SpecBuilder, RelativeWorkdirIsRefused) {
  RunFlags flags;
  flags.workdir = "relative";
  EXPECT_THROW(build_spec(inputs({{"Cmd", {"sh"}}}, flags)), Error);
}

}  // namespace
}  // namespace mini::cli
