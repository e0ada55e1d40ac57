#include "engine/user.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/etc_files.h"
#include "common/error.h"

namespace mini::engine {

using net::container_resolv_conf;
using net::hosts_file;
namespace {

const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
    "app:x:1000:1000::/home/app:/bin/sh\n";
const char* kGroup =
    "root:x:0:\n"
    "wheel:x:10:root,app\n"
    "audio:x:29:app\n"
    "app:x:1000:\n"
    "nogroup:x:65534:\n";

TEST(User, ResolvesNamesIdsAndGroups) {
  auto root = resolve_user("", kPasswd, kGroup);
  EXPECT_EQ(root.uid, 0u);
  EXPECT_EQ(root.home, "/root");
  auto nobody = resolve_user("nobody", kPasswd, kGroup);
  EXPECT_EQ(nobody.uid, 65534u);
  EXPECT_EQ(nobody.gid, 65534u);
  auto app = resolve_user("app:audio", kPasswd, kGroup);
  EXPECT_EQ(app.uid, 1000u);
  EXPECT_EQ(app.gid, 29u);
  EXPECT_THAT(app.additional_gids, ::testing::ElementsAre(29u, 10u));  // the primary group first, as runc does
  auto numeric = resolve_user("4242:4343", kPasswd, kGroup);
  EXPECT_EQ(numeric.uid, 4242u);
  EXPECT_EQ(numeric.gid, 4343u);
  auto by_uid = resolve_user("1000", kPasswd, kGroup);
  EXPECT_EQ(by_uid.home, "/home/app");
}

TEST(User, UnknownNamesAreErrors) {
  EXPECT_THROW(resolve_user("ghost", kPasswd, kGroup), Error);
  EXPECT_THROW(resolve_user("app:ghosts", kPasswd, kGroup), Error);
}

TEST(EtcFiles, ResolvConfDropsLoopbackResolvers) {
  EXPECT_EQ(container_resolv_conf("nameserver 127.0.0.53\nsearch lan\nnameserver 10.0.0.1\n"),
            "search lan\nnameserver 10.0.0.1\n");
  std::string only_loopback = container_resolv_conf("nameserver 127.0.0.1\n");
  EXPECT_NE(only_loopback.find("nameserver 8.8.8.8"), std::string::npos);
}

TEST(EtcFiles, HostsNamesTheContainer) {
  EXPECT_NE(hosts_file("box").find("127.0.1.1\tbox\n"), std::string::npos);
  EXPECT_NE(hosts_file("box").find("127.0.0.1\tlocalhost"), std::string::npos);
}

}  // namespace
}  // namespace mini::engine
