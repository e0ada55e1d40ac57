// shift_ownership, the --userns=remap fallback, on trees built to break it:
// hardlink farms, owners outside the range with setuid bits, symlinks to
// host files, FIFOs and device nodes. Needs root (chown, mknod).
#include "store/id_shift.h"
#include "store/idmap.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <optional>
#include <tuple>

#include <gtest/gtest.h>

#include "common/error.h"
#include "support/temp_dir.h"

namespace mini::store {
namespace {

constexpr IdRangeShift kRange{100000, 65536};

class IdShiftTest : public test::TempDirTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "chown and mknod need root";
    root_ = dir_ / "rootfs";
    fs::create_directories(root_ / "bin");
    std::ofstream(dir_ / "canary") << "canary\n";
  }

  struct stat lstat_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st;
  }

  ShiftReport shift() {
    auto result = std::async(std::launch::async, [&] { return shift_ownership(root_, kRange); });
    if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      for (const auto& entry : fs::recursive_directory_iterator(root_))
        if (entry.is_fifo()) ::close(::open(entry.path().c_str(), O_RDWR | O_NONBLOCK));
      ADD_FAILURE() << "shift_ownership hung";
    }
    return result.get();
  }

  fs::path root_;
};

TEST_F(IdShiftTest, HardlinkFarmMovesOnce) {
  fs::path file = root_ / "bin" / "busybox";
  std::ofstream(file) << "x";
  ASSERT_EQ(::chown(file.c_str(), 1000, 1000), 0);
  for (int i = 0; i < 405; ++i) fs::create_hard_link(file, root_ / "bin" / ("link" + std::to_string(i)));
  ShiftReport report = shift();
  struct stat st = lstat_of(file);
  EXPECT_EQ(st.st_uid, 101000u) << "shifted once, not once per link";
  EXPECT_EQ(st.st_gid, 101000u);
  EXPECT_EQ(lstat_of(root_ / "bin" / "link404").st_uid, 101000u);
  EXPECT_EQ(report.clamped, 0u);
  EXPECT_EQ(lstat_of(root_).st_uid, 100000u) << "the root itself belongs to the container's root";
}

TEST_F(IdShiftTest, OwnersOutsideTheRangeAreClampedAndLoseSetuid) {
  fs::path high = root_ / "bin" / "su-high";
  std::ofstream(high) << "x";
  ASSERT_EQ(::chown(high.c_str(), 4000000, 0), 0);
  ASSERT_EQ(::chmod(high.c_str(), 04755), 0);
  fs::path sgid = root_ / "bin" / "sgid-high";
  std::ofstream(sgid) << "x";
  ASSERT_EQ(::chown(sgid.c_str(), 0, 70000), 0);
  ASSERT_EQ(::chmod(sgid.c_str(), 02755), 0);
  // Hardlinked too: the clamp happens once and the bits stay cleared.
  for (int i = 0; i < 5; ++i) fs::create_hard_link(high, root_ / ("high" + std::to_string(i)));
  fs::path ok = root_ / "bin" / "su";
  std::ofstream(ok) << "x";
  ASSERT_EQ(::chmod(ok.c_str(), 06755), 0);
  fs::path dir = root_ / "shared";
  fs::create_directories(dir);
  ASSERT_EQ(::chmod(dir.c_str(), 02775), 0);

  ShiftReport report = shift();
  EXPECT_EQ(report.clamped, 2u);
  struct stat st = lstat_of(high);
  EXPECT_EQ(st.st_uid, 100000u + 65534u) << "the container's nobody";
  EXPECT_EQ(st.st_gid, 100000u);
  EXPECT_EQ(st.st_mode & 07777, 0755u) << "no setuid on an owner the container never had";
  st = lstat_of(sgid);
  EXPECT_EQ(st.st_uid, 100000u);
  EXPECT_EQ(st.st_gid, 100000u + 65534u);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  st = lstat_of(ok);
  EXPECT_EQ(st.st_uid, 100000u);
  EXPECT_EQ(st.st_mode & 07777, 06755u) << "an in-range setuid root binary stays setuid (container root)";
  EXPECT_EQ(lstat_of(dir).st_mode & 07777, 02775u);
}

TEST_F(IdShiftTest, SymlinksAreNotFollowed) {
  fs::create_symlink(dir_ / "canary", root_ / "bin" / "to-canary");
  fs::create_symlink("/", root_ / "to-root");
  ASSERT_EQ(::lchown((root_ / "to-root").c_str(), 5, 5), 0);
  struct stat before = lstat_of(dir_ / "canary");
  shift();
  struct stat after = lstat_of(dir_ / "canary");
  EXPECT_EQ(after.st_uid, before.st_uid);
  EXPECT_EQ(after.st_ctim.tv_nsec, before.st_ctim.tv_nsec) << "the canary outside was not touched";
  EXPECT_EQ(lstat_of(root_ / "to-root").st_uid, 100005u) << "the link itself moved";
  EXPECT_EQ(lstat_of("/").st_uid, 0u);
}

TEST_F(IdShiftTest, SpecialFilesAreChownedByNameNeverOpened) {
  fs::create_directories(root_ / "dev");
  ASSERT_EQ(::mkfifo((root_ / "dev" / "fifo").c_str(), 0644), 0);
  ASSERT_EQ(::mknod((root_ / "dev" / "tty").c_str(), S_IFCHR | 0666, makedev(5, 0)), 0);
  ASSERT_EQ(::mknod((root_ / "dev" / "loop0").c_str(), S_IFBLK | 0660, makedev(7, 0)), 0);
  ASSERT_EQ(::chown((root_ / "dev" / "loop0").c_str(), 0, 6), 0);
  shift();  // hangs on the FIFO, or takes /dev/tty as a terminal, if it opens them
  EXPECT_EQ(lstat_of(root_ / "dev" / "fifo").st_uid, 100000u);
  EXPECT_EQ(lstat_of(root_ / "dev" / "tty").st_uid, 100000u);
  EXPECT_EQ(lstat_of(root_ / "dev" / "loop0").st_gid, 100006u);
}

TEST_F(IdShiftTest, SmallRangeClampsToItsLastId) {
  fs::path file = root_ / "f";
  std::ofstream(file) << "x";
  ASSERT_EQ(::chown(file.c_str(), 2000, 10), 0);
  ShiftReport report = shift_ownership(root_, {200000, 1000});
  EXPECT_EQ(report.clamped, 1u);
  EXPECT_EQ(lstat_of(file).st_uid, 200999u);
  EXPECT_EQ(lstat_of(file).st_gid, 200010u);
  EXPECT_THROW(shift_ownership(root_, {200000, 0}), Error);
}

TEST_F(IdShiftTest, SetidOwnersOfALayerAreScannedOnceAndCached) {
  fs::path layer = dir_ / "layer" / "fs";
  fs::create_directories(layer / "bin");
  std::ofstream(layer / "bin" / "plain") << "x";
  ASSERT_EQ(::chown((layer / "bin" / "plain").c_str(), 9000000, 0), 0);  // high, but not set-id
  fs::create_symlink("/etc/shadow", layer / "bin" / "link");
  EXPECT_EQ(max_setid_owner(layer), std::nullopt);
  EXPECT_TRUE(fs::exists(dir_ / "layer" / "setid-owner"));

  fs::path other = dir_ / "other" / "fs";
  fs::create_directories(other / "usr" / "bin");
  for (auto [name, uid, gid, mode] : {std::tuple{"su", 0u, 0u, 04755u}, std::tuple{"wall", 0u, 5u, 02755u},
                                      std::tuple{"evil", 4000000u, 0u, 04755u}}) {
    fs::path file = other / "usr" / "bin" / name;
    std::ofstream(file) << "x";
    ASSERT_EQ(::chown(file.c_str(), uid, gid), 0);
    ASSERT_EQ(::chmod(file.c_str(), mode), 0);
  }
  EXPECT_EQ(max_setid_owner(other), std::optional<uint32_t>(4000000u));
  // The cached answer stands: the layer never changes.
  fs::remove(other / "usr" / "bin" / "evil");
  EXPECT_EQ(max_setid_owner(other), std::optional<uint32_t>(4000000u));
}

}  // namespace
}  // namespace mini::store
