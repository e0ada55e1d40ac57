#include "engine/mount_flags.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace mini::engine {
namespace {

using nlohmann::json;

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

}  // namespace
}  // namespace mini::engine
