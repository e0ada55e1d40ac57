#include "engine/mount_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

namespace mini::engine {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(MountFlags, VolumesBindHostPathsAndNamedVolumes) {
  MountFlags flags;
  flags.volumes = {"/tmp/vol:/data", "cache:/cache:ro"};
  ParsedMounts parsed = parse_mount_flags(flags, "/store/volumes");
  ASSERT_EQ(parsed.mounts.size(), 2u);
  EXPECT_EQ(parsed.mounts[0]["source"], "/tmp/vol");
  EXPECT_EQ(parsed.mounts[0]["destination"], "/data");
  EXPECT_EQ(parsed.mounts[0]["type"], "bind");
  EXPECT_EQ(parsed.mounts[1]["source"], "/store/volumes/cache/_data");
  EXPECT_EQ(parsed.mounts[1]["options"].back(), "ro");
  EXPECT_EQ(parsed.named_volumes, std::vector<std::string>{"cache"});
}

TEST(MountFlags, MountAndTmpfs) {
  MountFlags flags;
  flags.mounts = {"type=bind,source=/src,target=/dst,readonly", "type=tmpfs,target=/scratch,tmpfs-size=1m",
                  "source=named,target=/n"};
  flags.tmpfs = {"/run:size=64k,mode=1777"};
  ParsedMounts parsed = parse_mount_flags(flags, "/v");
  ASSERT_EQ(parsed.mounts.size(), 4u);
  EXPECT_EQ(parsed.mounts[0]["options"].back(), "ro");
  EXPECT_EQ(parsed.mounts[1]["type"], "tmpfs");
  EXPECT_EQ(parsed.mounts[1]["options"].back(), "size=1m");
  EXPECT_EQ(parsed.mounts[2]["source"], "/v/named/_data");
  EXPECT_EQ(parsed.mounts[3]["destination"], "/run");
  EXPECT_EQ(parsed.mounts[3]["options"].back(), "mode=1777");
}

TEST(MountFlags, MalformedFlagsAreErrors) {
  for (const char* bad : {"/only", "/a:relative", "/a:/", "bad name!:/x", "/a:/b:rx", ":/x"}) {
    MountFlags flags;
    flags.volumes = {bad};
    EXPECT_THROW(parse_mount_flags(flags, "/v"), Error) << bad;
  }
  for (const char* bad : {"type=nfs,source=a,target=/b", "type=bind,source=rel,target=/b", "type=bind,target=/b",
                          "type=volume,source=/abs,target=/b", "type=bind,source=/a,target=/b,bogus=1"}) {
    MountFlags flags;
    flags.mounts = {bad};
    EXPECT_THROW(parse_mount_flags(flags, "/v"), Error) << bad;
  }
}

// What Docker says of a root destination, as runtime/mount_rules.h says it too.
const char* const kDockerRoot = "invalid specification: destination can't be '/'";

std::string flag_error(const MountFlags& flags) {
  try {
    parse_mount_flags(flags, "/v");
  } catch (const Error& e) {
    return e.what();
  }
  return "accepted";
}

TEST(MountFlags, RefuseTheRootWithDockersMessage) {
  for (const char* destination : {"/", "//", "/.", "/./", "/bin/..", "/tmp/../", "."}) {
    SCOPED_TRACE(destination);
    MountFlags v;
    v.volumes = {std::string("/host:") + destination};
    EXPECT_EQ(flag_error(v), std::string("invalid volume specification: '/host:") + destination +
                                 "': invalid mount config for type \"bind\": " + kDockerRoot);
    MountFlags named;
    named.volumes = {std::string("data:") + destination + ":ro"};
    EXPECT_THAT(flag_error(named), HasSubstr(std::string("invalid mount config for type \"volume\": ") + kDockerRoot));
    MountFlags mount;
    mount.mounts = {std::string("type=bind,source=/host,target=") + destination};
    EXPECT_EQ(flag_error(mount), std::string("invalid mount config for type \"bind\": ") + kDockerRoot);
    MountFlags mount_tmpfs;
    mount_tmpfs.mounts = {std::string("type=tmpfs,dst=") + destination};
    EXPECT_EQ(flag_error(mount_tmpfs), std::string("invalid mount config for type \"tmpfs\": ") + kDockerRoot);
    MountFlags tmpfs;
    tmpfs.tmpfs = {std::string(destination) + ":size=1m"};
    EXPECT_EQ(flag_error(tmpfs), kDockerRoot);
  }
}

TEST(MountFlags, StoreCleanDestinations) {
  MountFlags flags;
  flags.volumes = {"/host:/data/"};
  flags.mounts = {"type=bind,source=/host,target=/a//b/."};
  flags.tmpfs = {"/scratch/../run:size=1m"};
  auto parsed = parse_mount_flags(flags, "/v");
  ASSERT_EQ(parsed.mounts.size(), 3u);
  EXPECT_EQ(parsed.mounts[0]["destination"], "/data");
  EXPECT_EQ(parsed.mounts[1]["destination"], "/a/b");
  EXPECT_EQ(parsed.mounts[2]["destination"], "/run");
  MountFlags relative;
  relative.volumes = {"/host:data"};
  EXPECT_THAT(flag_error(relative), HasSubstr("must be an absolute path"));
}

}  // namespace
}  // namespace mini::engine
