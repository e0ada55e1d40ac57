// The runtime's pure parts: config.json parsing, mount plans, exit codes and
// command lookup. No root needed.
#include <signal.h>
#include <sys/mount.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "runtime/contain/contain.h"
#include "runtime/exit_status.h"
#include "runtime/mount_plan.h"
#include "runtime/spec.h"

namespace mini::runtime {
namespace {

using nlohmann::json;
using ::testing::StartsWith;

json minimal_spec() {
  return json{{"ociVersion", "1.0.2"},
              {"root", {{"path", "rootfs"}}},
              {"process", {{"args", {"sh"}}, {"cwd", "/"}}},
              {"linux", {{"namespaces", {{{"type", "mount"}}, {{"type", "pid"}}}}}}};
}

TEST(RuntimeSpec, ParsesTheFieldsMiniExecutes) {
  json doc = minimal_spec();
  doc["process"]["user"] = {{"uid", 65534}, {"gid", 65534}, {"additionalGids", {10, 20}}};
  doc["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 1024}, {"hard", 2048}}};
  doc["hostname"] = "box";
  doc["mounts"] = {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}}};
  Spec spec = parse_spec(doc);
  EXPECT_EQ(spec.process.uid, 65534u);
  EXPECT_EQ(spec.process.additional_gids, (std::vector<gid_t>{10, 20}));
  ASSERT_EQ(spec.process.rlimits.size(), 1u);
  EXPECT_EQ(spec.process.rlimits[0].hard, 2048u);
  EXPECT_TRUE(spec.has_namespace("pid"));
  EXPECT_FALSE(spec.has_namespace("user"));
  EXPECT_EQ(spec.hostname, "box");
  EXPECT_EQ(spec.mounts.at(0).type, "proc");
}

TEST(RuntimeSpec, RefusesWhatItCannotHonour) {
  auto refuses = [](const std::function<void(json&)>& change, const std::string& words) {
    json doc = minimal_spec();
    change(doc);
    try {
      parse_spec(doc);
      ADD_FAILURE() << "accepted: " << doc.dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  refuses([](json& d) { d.erase("ociVersion"); }, "ociVersion");
  refuses([](json& d) { d["ociVersion"] = "2.0.0"; }, "1.x");
  refuses([](json& d) { d["process"]["args"] = json::array(); }, "process.args");
  refuses([](json& d) { d["process"]["cwd"] = "relative"; }, "absolute");
  refuses([](json& d) { d["process"]["cwd"] = "/proc/self/fd/7"; }, "outside the container");
  refuses([](json& d) { d["linux"]["namespaces"].push_back({{"type", "time-travel"}}); }, "time-travel");
  refuses([](json& d) { d["linux"]["namespaces"].push_back({{"type", "pid"}}); }, "twice");
  refuses([](json& d) { d["mounts"] = {{{"destination", "tmp"}, {"type", "tmpfs"}}}; }, "absolute");
  refuses([](json& d) { d["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 9}, {"hard", 1}}}; },
          "soft");
  refuses([](json& d) { d["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}}; },
          "user");
}

TEST(RuntimeMountPlan, DecodesFlagsPropagationAndData) {
  MountOptions o = parse_mount_options({"nosuid", "noexec", "nodev", "mode=755", "size=65536k", "rprivate", "ro"});
  EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
  EXPECT_EQ(o.propagation, static_cast<unsigned long>(MS_PRIVATE | MS_REC));
  EXPECT_EQ(o.data, "mode=755,size=65536k");
  EXPECT_EQ(parse_mount_options({"ro", "rw"}).flags, 0u);
  EXPECT_THROW(parse_mount_options({"shared", "private"}), Error);
}

TEST(RuntimeMountPlan, BindsRemountForReadOnlyAndKnowFileTargets) {
  std::vector<Mount> mounts = {
      {"/etc/hosts", "bind", "/host/hosts", {"rbind", "rprivate"}},
      {"/data", "bind", "/host/data", {"bind", "ro"}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "mode=755"}},
  };
  auto steps = plan_mounts(mounts, [](const std::string& path) { return path == "/host/data"; });
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_TRUE(steps[0].bind);
  EXPECT_TRUE(steps[0].target_is_file);
  EXPECT_FALSE(steps[0].remount);
  EXPECT_EQ(steps[0].flags, static_cast<unsigned long>(MS_BIND | MS_REC));
  EXPECT_TRUE(steps[1].remount);
  EXPECT_FALSE(steps[1].target_is_file);
  EXPECT_EQ(steps[1].flags & MS_RDONLY, static_cast<unsigned long>(MS_RDONLY));
  EXPECT_EQ(steps[2].fstype, "tmpfs");
  EXPECT_EQ(steps[2].data, "mode=755");
  EXPECT_THROW(plan_mounts({{"/x", "bind", "relative", {"bind"}}}, [](const std::string&) { return true; }), Error);
}

TEST(RuntimeExitStatus, FollowsDocker) {
  EXPECT_EQ(exit_code_from_wait_status(0), 0);
  EXPECT_EQ(exit_code_from_wait_status(3 << 8), 3);
  EXPECT_EQ(exit_code_from_wait_status(SIGKILL), 137);
  EXPECT_EQ(exit_code_from_wait_status(SIGTERM), 143);
  EXPECT_EQ(exit_code_from_exec_errno(ENOENT), 127);
  EXPECT_EQ(exit_code_from_exec_errno(EACCES), 126);
  EXPECT_EQ(exit_code_from_exec_errno(ENOEXEC), 126);
}

TEST(RuntimeExec, SearchesThePathOfTheContainersEnvironment) {
  EXPECT_EQ(exec_candidates("/bin/sh", {}), (std::vector<std::string>{"/bin/sh"}));
  EXPECT_EQ(exec_candidates("ls", {"A=1", "PATH=/a:/b"}), (std::vector<std::string>{"/a/ls", "/b/ls"}));
  EXPECT_EQ(exec_candidates("ls", {}).front(), "/usr/local/sbin/ls");
  EXPECT_EQ(rlimit_resource("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  EXPECT_THROW(rlimit_resource("RLIMIT_BOGUS"), Error);
}

TEST(RuntimeSpecStrings, NulBytesAreRefusedWithTheirPath) {
  json spec = {{"ociVersion", "1.0.2"},
               {"root", {{"path", "rootfs"}}},
               {"process", {{"args", {"sh"}}, {"cwd", "/"}, {"env", {std::string("A=\0", 3)}}}}};
  try {
    parse_spec(spec);
    FAIL() << "accepted a NUL in process.env";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), StartsWith("config.json: process.env[0] contains a NUL byte"));
  }
  json deep = json::array();
  for (int i = 0; i < 200; ++i) deep = json::array({deep});
  spec["annotations"] = {{"x", deep}};
  spec["process"]["env"] = json::array();
  EXPECT_THROW(parse_spec(spec), Error);
}

}  // namespace
}  // namespace mini::runtime
