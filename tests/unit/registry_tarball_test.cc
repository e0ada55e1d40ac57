#include "registry/tarball.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace mini::registry {
namespace {

TEST(TarballUrl, Recognized) {
  EXPECT_TRUE(is_tarball_url("https://dl-cdn.alpinelinux.org/alpine/v3.20/releases/x86_64/a.tar.gz"));
  EXPECT_TRUE(is_tarball_url("HTTP://127.0.0.1:8000/x.tar"));
  EXPECT_FALSE(is_tarball_url("busybox"));
  EXPECT_FALSE(is_tarball_url("127.0.0.1:5000/library/busybox:1"));
}

TEST(TarballUrl, ImageNameFromFileName) {
  EXPECT_EQ(image_name_from_url("https://x/alpine-minirootfs-3.20.3-x86_64.tar.gz"), "alpine-minirootfs:3.20.3-x86_64");
  EXPECT_EQ(image_name_from_url("http://x/dir/rootfs.tar.xz?token=1"), "rootfs:latest");
  EXPECT_EQ(image_name_from_url("http://x/My_Root.FS-2024.01.tgz"), "my_root.fs:2024.01");
  EXPECT_EQ(image_name_from_url("http://x/-1.tar"), "image:1");
  EXPECT_EQ(image_name_from_url("http://x/ubuntu+base-22.04+x.tar.zst"), "ubuntu-base:22.04_x");
}

TEST(TarballUrl, Sha256File) {
  std::string hex(64, 'a');
  EXPECT_EQ(parse_sha256_file(hex + "  alpine.tar.gz\n", "f"), hex);
  EXPECT_EQ(parse_sha256_file("\n" + std::string(64, 'F'), "f"), std::string(64, 'f'));
  EXPECT_THROW(parse_sha256_file("<html>not found</html>", "f"), Error);
  EXPECT_THROW(parse_sha256_file("", "f"), Error);
}

}  // namespace
}  // namespace mini::registry
