// read_layered_file: the merged view of overlay-format layer directories,
// as the container will see it (whiteouts, opaque directories, symlinks
// across layers), and never anything outside them.
#include "store/layer_view.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "support/temp_dir.h"

namespace mini::store {
namespace {

using ::testing::HasSubstr;

class LayerViewTest : public test::TempDirTest {
 protected:
  void SetUp() override {
    for (const char* name : {"l0", "l1", "l2"}) {
      fs::create_directories(dir_ / name);
      layers_.push_back(dir_ / name);
    }
    std::ofstream(dir_ / "host-passwd") << "host:x:0:0::/:/bin/sh\n";
  }

  void write(int layer, const std::string& path, const std::string& content) {
    fs::path file = layers_[layer] / path;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << content;
  }
  void link(int layer, const std::string& path, const std::string& target) {
    fs::path file = layers_[layer] / path;
    fs::create_directories(file.parent_path());
    fs::create_symlink(target, file);
  }
  bool whiteout(int layer, const std::string& path) {
    fs::path file = layers_[layer] / path;
    fs::create_directories(file.parent_path());
    return ::mknod(file.c_str(), S_IFCHR | 0, makedev(0, 0)) == 0;
  }
  bool opaque(int layer, const std::string& dir) {
    fs::create_directories(layers_[layer] / dir);
    return ::setxattr((layers_[layer] / dir).c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0;
  }

  std::string read(const std::string& path) {
    auto result = std::async(std::launch::async, [&] {
      try {
        auto content = read_layered_file(layers_, path, {"the image's /" + path, 1 << 20, true});
        return content ? "content: " + *content : std::string("absent");
      } catch (const Error& e) {
        return std::string("error: ") + e.what();
      }
    });
    if (result.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
      for (const auto& entry : fs::recursive_directory_iterator(dir_))
        if (entry.is_fifo()) ::close(::open(entry.path().c_str(), O_RDWR | O_NONBLOCK));
      ADD_FAILURE() << "hung reading " << path;
    }
    return result.get();
  }

  std::vector<fs::path> layers_;  // bottom first
};

TEST_F(LayerViewTest, TopmostLayerWins) {
  write(0, "etc/passwd", "bottom\n");
  EXPECT_EQ(read("etc/passwd"), "content: bottom\n");
  write(2, "etc/passwd", "top\n");
  EXPECT_EQ(read("/etc/passwd"), "content: top\n");
  EXPECT_EQ(read("etc/group"), "absent");
}

TEST_F(LayerViewTest, SymlinkInTheTopLayerReachesALowerLayer) {
  write(0, "etc/passwd.real", "real\n");
  link(2, "etc/passwd", "passwd.real");
  EXPECT_EQ(read("etc/passwd"), "content: real\n");
  // Absolute, and through a symlinked directory that lives in another layer.
  write(0, "usr/share/base/group", "base group\n");
  link(1, "usr/lib/base", "/usr/share/base");
  link(2, "etc/group", "/usr/lib/base/group");
  EXPECT_EQ(read("etc/group"), "content: base group\n");
}

TEST_F(LayerViewTest, SymlinksNeverLeaveTheImage) {
  link(2, "etc/passwd", (dir_ / "host-passwd").string());
  EXPECT_EQ(read("etc/passwd"), "absent") << "an absolute target is inside the image";
  link(2, "etc/group", "../../../../../host-passwd");
  EXPECT_EQ(read("etc/group"), "absent") << ".. stops at the image's root";
  write(0, "host-passwd", "the image's own\n");
  EXPECT_EQ(read("etc/group"), "content: the image's own\n");
  EXPECT_EQ(read("../../host-passwd"), "content: the image's own\n");
  link(1, "etc/loop", "loop2");
  link(2, "etc/loop2", "/etc/loop");
  EXPECT_THAT(read("etc/loop"), HasSubstr("symlink loop"));
}

TEST_F(LayerViewTest, WhiteoutsHideLowerFilesAndDirectories) {
  if (::geteuid() != 0) GTEST_SKIP() << "whiteouts are 0:0 character devices: mknod needs root";
  write(0, "etc/passwd", "deleted\n");
  ASSERT_TRUE(whiteout(1, "etc/passwd"));
  EXPECT_EQ(read("etc/passwd"), "absent");
  write(2, "etc/passwd", "again\n");
  EXPECT_EQ(read("etc/passwd"), "content: again\n");
  // A whited-out directory hides everything below it.
  write(0, "opt/app/passwd", "gone\n");
  ASSERT_TRUE(whiteout(1, "opt"));
  EXPECT_EQ(read("opt/app/passwd"), "absent");
  // A symlink into a whited-out file finds nothing.
  write(0, "etc/group.real", "gone\n");
  ASSERT_TRUE(whiteout(1, "etc/group.real"));
  link(2, "etc/group", "group.real");
  EXPECT_EQ(read("etc/group"), "absent");
}

TEST_F(LayerViewTest, OpaqueDirectoriesHideLowerLayers) {
  if (::geteuid() != 0) GTEST_SKIP() << "trusted.* xattrs need root";
  write(0, "etc/passwd", "lower\n");
  write(0, "etc/group", "lower group\n");
  ASSERT_TRUE(opaque(1, "etc"));
  write(1, "etc/passwd", "opaque layer\n");
  EXPECT_EQ(read("etc/passwd"), "content: opaque layer\n");
  EXPECT_EQ(read("etc/group"), "absent") << "the opaque /etc hides the lower one";
  write(2, "etc/group", "top group\n");
  EXPECT_EQ(read("etc/group"), "content: top group\n") << "layers above an opaque directory still merge";
}

TEST_F(LayerViewTest, DirectoriesMergeAcrossLayers) {
  write(0, "etc/a/passwd", "deep\n");
  write(2, "etc/other", "x");
  EXPECT_EQ(read("etc/a/passwd"), "content: deep\n") << "/etc of the top layer merges with the bottom's";
  // A file in a middle layer ends the directory for the layers below.
  write(1, "srv", "a file");
  write(0, "srv/passwd", "hidden\n");
  EXPECT_EQ(read("srv/passwd"), "absent");
}

TEST_F(LayerViewTest, SpecialFilesAreRefusedWithoutBlocking) {
  write(0, "etc/passwd", "lower\n");
  fs::create_directories(layers_[2] / "etc");
  ASSERT_EQ(::mkfifo((layers_[2] / "etc" / "passwd").c_str(), 0644), 0);
  std::string r = read("etc/passwd");
  EXPECT_THAT(r, HasSubstr("the image's /etc/passwd is a FIFO, not a regular file")) << r;
  EXPECT_EQ(r.find('\n'), std::string::npos);
  // A FIFO reached through a symlink in another layer.
  ASSERT_EQ(::mkfifo((layers_[0] / "fifo").c_str(), 0644), 0);
  link(1, "etc/group", "/fifo");
  EXPECT_THAT(read("etc/group"), HasSubstr("is a FIFO"));
  if (::geteuid() == 0) {
    fs::create_directories(layers_[1] / "etc");
    ASSERT_EQ(::mknod((layers_[1] / "etc" / "shadow").c_str(), S_IFCHR | 0644, makedev(1, 5)), 0);
    EXPECT_THAT(read("etc/shadow"), HasSubstr("is a character device"));
  }
  fs::create_directories(layers_[1] / "etc" / "hosts");
  EXPECT_THAT(read("etc/hosts"), HasSubstr("is a directory"));
}

}  // namespace
}  // namespace mini::store
