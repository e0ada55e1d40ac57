// read_contained_file and overwrite_regular_file against what a hostile
// image or container leaves where mini reads: FIFOs, device nodes, symlinks
// out of the root, huge files. Each must fail fast with one line, or be
// read from inside the root.
#include "common/contained_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "support/temp_dir.h"

namespace mini {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ContainedFileTest : public test::TempDirTest {
 protected:
  void SetUp() override {
    root_ = dir_ / "root";
    fs::create_directories(root_ / "etc");
    std::ofstream(dir_ / "host-secret") << "host secret\n";
  }

  // Runs `f` on another thread; a hang fails the test instead of the suite.
  std::string within_a_second(const std::function<std::string()>& f) {
    auto result = std::async(std::launch::async, [f] {
      try {
        return f();
      } catch (const Error& e) {
        return std::string("error: ") + e.what();
      }
    });
    if (result.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
      // Unblock a reader stuck on a FIFO so the thread can end.
      for (const auto& entry : fs::recursive_directory_iterator(dir_))
        if (entry.is_fifo()) {
          int fd = ::open(entry.path().c_str(), O_RDWR | O_NONBLOCK);
          if (fd >= 0) ::close(fd);
        }
      ADD_FAILURE() << "hung";
      return result.get();
    }
    return result.get();
  }

  std::string read(const std::string& path, size_t max = 1 << 20) {
    return within_a_second([&] {
      auto content = read_contained_file(root_, path, {"the image's /" + path, max, true});
      return content ? "content: " + *content : std::string("absent");
    });
  }

  fs::path root_;
};

TEST_F(ContainedFileTest, ReadsARegularFileAndSaysAbsent) {
  std::ofstream(root_ / "etc" / "passwd") << "root:x:0:0::/root:/bin/sh\n";
  EXPECT_EQ(read("etc/passwd"), "content: root:x:0:0::/root:/bin/sh\n");
  EXPECT_EQ(read("etc/group"), "absent");
  EXPECT_EQ(read("etc/passwd/x"), "absent") << "ENOTDIR reads as absent";
}

TEST_F(ContainedFileTest, FifoIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo((root_ / "etc" / "passwd").c_str(), 0644), 0);
  std::string r = read("etc/passwd");
  EXPECT_THAT(r, HasSubstr("the image's /etc/passwd is a FIFO, not a regular file"));
  EXPECT_EQ(r.find('\n'), std::string::npos);
  // Behind a symlink inside the root, too.
  ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0644), 0);
  fs::create_symlink("/fifo", root_ / "etc" / "group");
  EXPECT_THAT(read("etc/group"), HasSubstr("is a FIFO"));
}

TEST_F(ContainedFileTest, DeviceNodesAreNeverOpened) {
  if (::geteuid() != 0) GTEST_SKIP() << "mknod needs root";
  // /dev/zero would read forever were it opened and read; a tty would become
  // mini's controlling terminal.
  ASSERT_EQ(::mknod((root_ / "etc" / "passwd").c_str(), S_IFCHR | 0644, makedev(1, 5)), 0);
  EXPECT_THAT(read("etc/passwd"), HasSubstr("is a character device, not a regular file"));
  ASSERT_EQ(::mknod((root_ / "etc" / "group").c_str(), S_IFBLK | 0644, makedev(7, 0)), 0);
  EXPECT_THAT(read("etc/group"), HasSubstr("is a block device"));
}

TEST_F(ContainedFileTest, SymlinksResolveInsideTheRoot) {
  std::ofstream(root_ / "etc" / "passwd.real") << "inside\n";
  fs::create_symlink("/etc/passwd.real", root_ / "etc" / "passwd");
  EXPECT_EQ(read("etc/passwd"), "content: inside\n");
  // Absolute and ../ escapes land inside the root, where nothing is.
  fs::create_symlink(dir_ / "host-secret", root_ / "etc" / "abs");
  fs::create_symlink("../../../../host-secret", root_ / "etc" / "rel");
  EXPECT_EQ(read("etc/abs"), "absent");
  EXPECT_EQ(read("etc/rel"), "absent");
  EXPECT_EQ(read("../host-secret"), "absent");
  // A magic link is refused outright.
  fs::create_symlink("/proc/self/root/etc/hostname", root_ / "etc" / "magic");
  fs::create_directories(root_ / "proc");
  EXPECT_EQ(read("etc/magic"), "absent") << "the root has no /proc: no way to the host's";
  fs::create_symlink("loop2", root_ / "etc" / "loop1");
  fs::create_symlink("/etc/loop1", root_ / "etc" / "loop2");
  EXPECT_THAT(read("etc/loop1"), HasSubstr("symlink loop"));
}

TEST_F(ContainedFileTest, MagicLinksThroughARealProcAreRefused) {
  // A running container's root has its own /proc: RESOLVE_NO_MAGICLINKS.
  fsutil::UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  std::string r = within_a_second([&] {
    auto content = read_contained_file(root.get(), "proc/self/root/etc/hostname", {"x", 1 << 20, true});
    return content ? *content : std::string("absent");
  });
  EXPECT_THAT(r, HasSubstr("magic link"));
}

TEST_F(ContainedFileTest, SizeIsBounded) {
  std::ofstream(root_ / "etc" / "passwd") << std::string(5000, 'x');
  std::string r = read("etc/passwd", 4096);
  EXPECT_THAT(r, HasSubstr("the image's /etc/passwd is larger than 4096 bytes"));
  EXPECT_EQ(read("etc/passwd", 5000).size(), std::string("content: ").size() + 5000);
}

TEST_F(ContainedFileTest, DirectoryIsNotAFile) {
  fs::create_directories(root_ / "etc" / "passwd");
  EXPECT_THAT(read("etc/passwd"), HasSubstr("is a directory"));
}

TEST_F(ContainedFileTest, LastSymlinkRefusedWhenNotFollowed) {
  std::ofstream(root_ / "etc" / "passwd.real") << "inside\n";
  fs::create_symlink("passwd.real", root_ / "etc" / "passwd");
  std::string r = within_a_second([&] {
    auto content = read_contained_file(root_, "etc/passwd", {"p", 1 << 20, false});
    return content ? *content : std::string("absent");
  });
  EXPECT_THAT(r, HasSubstr("is a symlink"));
}

TEST_F(ContainedFileTest, OverwriteLeavesSpecialFilesAlone) {
  fs::path hosts = dir_ / "hosts";
  std::ofstream(hosts) << "old old old old\n";
  struct stat before {};
  ASSERT_EQ(::stat(hosts.c_str(), &before), 0);
  EXPECT_TRUE(overwrite_regular_file(hosts, "new\n"));
  struct stat after {};
  ASSERT_EQ(::stat(hosts.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the same inode, so a bind mount of it sees the change";
  std::ifstream in(hosts);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "new\n");

  fs::path fifo = dir_ / "fifo-hosts";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_EQ(within_a_second([&] { return std::string(overwrite_regular_file(fifo, "x") ? "wrote" : "skipped"); }),
            "skipped");
  fs::path link = dir_ / "link-hosts";
  fs::create_symlink(dir_ / "host-secret", link);
  EXPECT_FALSE(overwrite_regular_file(link, "pwned\n"));
  std::ifstream secret(dir_ / "host-secret");
  std::string kept((std::istreambuf_iterator<char>(secret)), {});
  EXPECT_EQ(kept, "host secret\n");
  EXPECT_FALSE(overwrite_regular_file(dir_ / "missing", "x"));
}

}  // namespace
}  // namespace mini
