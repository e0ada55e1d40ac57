#include "engine/spec_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "runtime/spec.h"

namespace mini::engine {
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
}  // namespace mini::engine

namespace mini::engine {
namespace {

TEST(IsolationFlags, ParsesSizesLikeDocker) {
  EXPECT_EQ(parse_bytes("32m"), 32 << 20);
  EXPECT_EQ(parse_bytes("1g"), 1ll << 30);
  EXPECT_EQ(parse_bytes("1GB"), 1ll << 30);
  EXPECT_EQ(parse_bytes("512k"), 512 << 10);
  EXPECT_EQ(parse_bytes("100"), 100);
  EXPECT_EQ(parse_bytes("1.5m"), 3 << 19);
  for (const char* bad : {"", "m", "12x", "-1m", "1mm"}) EXPECT_THROW(parse_bytes(bad), Error) << bad;
}

TEST(IsolationFlags, ResourcesFollowDockerDefaults) {
  IsolationFlags flags;
  flags.memory = "32m";
  flags.cpus = 1.5;
  flags.pids_limit = 64;
  flags.cpuset_cpus = "0";
  auto resources = resources_from_flags(flags);
  EXPECT_EQ(resources["memory"]["limit"], 32 << 20);
  EXPECT_EQ(resources["memory"]["swap"], 64 << 20) << "swap defaults to twice the memory";
  EXPECT_EQ(resources["cpu"]["quota"], 150000);
  EXPECT_EQ(resources["cpu"]["period"], 100000);
  EXPECT_EQ(resources["cpu"]["cpus"], "0");
  EXPECT_EQ(resources["pids"]["limit"], 64);
  flags.memory_swap = "-1";
  EXPECT_EQ(resources_from_flags(flags)["memory"]["swap"], -1);
  flags.memory_swap = "16m";
  EXPECT_THROW(resources_from_flags(flags), Error);
  flags.memory = "1m";
  flags.memory_swap.reset();
  EXPECT_THROW(resources_from_flags(flags), Error) << "below Docker's 6MB minimum";
  EXPECT_TRUE(resources_from_flags(IsolationFlags{}).empty());
}

TEST(IsolationFlags, CapAddAndDrop) {
  IsolationFlags flags;
  flags.cap_drop = {"net_raw", "CAP_MKNOD"};
  flags.cap_add = {"sys_admin"};
  auto caps = capabilities_from_flags(flags, default_capabilities());
  EXPECT_THAT(caps, Contains("CAP_SYS_ADMIN"));
  EXPECT_THAT(caps, Not(Contains("CAP_NET_RAW")));
  EXPECT_THAT(caps, Not(Contains("CAP_MKNOD")));
  EXPECT_THAT(caps, Contains("CAP_CHOWN"));
  flags.cap_drop = {"ALL"};
  flags.cap_add = {"CHOWN"};
  EXPECT_THAT(capabilities_from_flags(flags, default_capabilities()), ElementsAre("CAP_CHOWN"));
  flags.cap_add = {"BOGUS"};
  EXPECT_THROW(capabilities_from_flags(flags, default_capabilities()), Error);
  IsolationFlags privileged;
  privileged.privileged = true;
  EXPECT_THAT(capabilities_from_flags(privileged, default_capabilities()), Contains("CAP_SYS_ADMIN"));
}

TEST(IsolationFlags, UlimitsAndSecurityOpts) {
  auto rlimits = rlimits_from_flags({"nofile=1024:2048", "nproc=64"});
  EXPECT_EQ(rlimits[0], (json{{"type", "RLIMIT_NOFILE"}, {"soft", 1024}, {"hard", 2048}}));
  EXPECT_EQ(rlimits[1]["hard"], 64);
  EXPECT_THROW(rlimits_from_flags({"bogus=1"}), Error);
  EXPECT_THROW(rlimits_from_flags({"nofile=2:1"}), Error);
  auto opts = parse_security_opts({"seccomp=unconfined", "no-new-privileges"});
  EXPECT_TRUE(opts.seccomp_unconfined);
  EXPECT_TRUE(opts.no_new_privileges);
  EXPECT_EQ(parse_security_opts({"seccomp=/p.json"}).seccomp_profile_path, "/p.json");
  EXPECT_THROW(parse_security_opts({"apparmor=x"}), Error);
}

TEST(SpecBuilder, ConfinementByDefaultAndPrivilegedLiftsIt) {
  json doc = build_spec(inputs({{"Cmd", {"sh"}}}));
  EXPECT_EQ(doc["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(doc["linux"]["cgroupsPath"], "mini/" + std::string(64, 'c'));
  EXPECT_EQ(doc["process"]["capabilities"]["bounding"].size(), default_capabilities().size());
  RunFlags flags;
  flags.isolation.privileged = true;
  json privileged = build_spec(inputs({{"Cmd", {"sh"}}}, flags));
  EXPECT_FALSE(privileged["linux"].contains("seccomp"));
  EXPECT_TRUE(privileged["linux"]["maskedPaths"].empty());
  flags = {};
  flags.isolation.security_opt = {"seccomp=unconfined", "no-new-privileges"};
  json unconfined = build_spec(inputs({{"Cmd", {"sh"}}}, flags));
  EXPECT_FALSE(unconfined["linux"].contains("seccomp"));
  EXPECT_EQ(unconfined["process"]["noNewPrivileges"], true);
}

}  // namespace
}  // namespace mini::engine

namespace mini::engine {
namespace {

TEST(SpecBuilder, InitRunsInFrontOfTheCommand) {
  RunFlags flags;
  flags.command = {"sleep", "1"};
  SpecInputs in = inputs({{"Cmd", {"sh"}}}, flags);
  in.init_binary = "/usr/lib/mini/mini-init";
  json doc = build_spec(in);
  EXPECT_EQ(doc["process"]["args"], json({"/sbin/mini-init", "--", "sleep", "1"}));
  EXPECT_EQ(doc["mounts"].back()["source"], "/usr/lib/mini/mini-init");
  EXPECT_EQ(doc["mounts"].back()["destination"], "/sbin/mini-init");
}

}  // namespace
}  // namespace mini::engine

namespace mini::engine {
namespace {

TEST(Userns, SubidRangesAndModes) {
  std::string subuid = "alice:100000:65536\nmini:200000:65536\nbroken:x:y\n";
  EXPECT_EQ(find_subid_range(subuid, "mini")->start, 200000u);
  EXPECT_EQ(find_subid_range(subuid, "mini")->count, 65536u);
  EXPECT_FALSE(find_subid_range(subuid, "bob"));
  EXPECT_FALSE(find_subid_range(subuid, "broken"));
  EXPECT_EQ(parse_userns(""), UsernsMode::Host);
  EXPECT_EQ(parse_userns("remap"), UsernsMode::Remap);
  EXPECT_THROW(parse_userns("private"), Error);
}

TEST(SpecBuilder, RemapAddsAUserNamespaceWithMappings) {
  SpecInputs in = inputs({{"Cmd", {"sh"}}});
  in.userns_remap = IdRange{100000, 65536};
  json doc = build_spec(in);
  EXPECT_EQ(doc["linux"]["uidMappings"][0], (json{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}));
  EXPECT_EQ(doc["linux"]["gidMappings"], doc["linux"]["uidMappings"]);
  runtime::Spec spec = runtime::parse_spec(doc);
  EXPECT_TRUE(spec.has_namespace("user"));
}

}  // namespace
}  // namespace mini::engine
