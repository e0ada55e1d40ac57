// A store on a filesystem that fills up: the exit status survives, a
// create that runs out of space leaves nothing, and `system check` finds
// the store clean. The store sits on a small tmpfs of its own, which the
// container fills through its writable layer.
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "lib/harness.h"

namespace mini::test {
namespace {

using ::testing::HasSubstr;

class FullDiskTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (skipped_) return;
    outer_ = root_;
    root_ = outer_ / "store";
    fs::create_directories(root_);
    ASSERT_EQ(::mount("tmpfs", root_.c_str(), "tmpfs", 0, "size=40m"), 0) << "mount a small tmpfs for the store";
    import_busybox();
  }
  void TearDown() override {
    if (outer_.empty()) return MiniTest::TearDown();
    ::umount2(filler_.c_str(), MNT_DETACH);
    EXPECT_EQ(mounts_under(root_ / "containers"), std::vector<std::string>{}) << "mounts left behind";
    ::umount2(root_.c_str(), MNT_DETACH);
    root_ = outer_;
    MiniTest::TearDown();
  }

  // Takes every free byte of the store's filesystem.
  void fill_store() {
    filler_ = root_ / "filler";
    std::ofstream out(filler_, std::ios::binary);
    std::string chunk(1 << 20, 'x');
    while (out.write(chunk.data(), chunk.size())) {
    }
    out.close();
    std::string small(4096, 'y');
    for (int i = 0; i < 64; ++i) std::ofstream(filler_.string() + std::to_string(i)).write(small.data(), small.size());
    struct statvfs st {};
    ASSERT_EQ(::statvfs(root_.c_str(), &st), 0);
    ASSERT_LT(st.f_bavail * st.f_frsize, 8192u) << "the store's filesystem is full";
  }
  void free_store() {
    std::error_code ec;
    fs::remove(filler_, ec);
    for (int i = 0; i < 64; ++i) fs::remove(filler_.string() + std::to_string(i), ec);
  }

  nlohmann::json inspect(const std::string& name) {
    Result r = mini({"inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    return doc.is_array() && !doc.empty() ? doc[0] : doc;
  }

  void expect_store_clean() {
    Result check = mini({"system", "check"});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  }

  fs::path outer_, filler_;
};

TEST_F(FullDiskTest, ExitStatusSurvivesTheContainerFillingTheStore) {
  if (skipped_) return;
  // The container's own writes fill the store; mini must still record 3.
  Result r = mini({"run", "--name", "filler", "--network", "none", "bb", "sh", "-c",
                   "cat /dev/zero > /fill 2>/dev/null; exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("No space left on device")) << "the store really was full when the exit was recorded";
  auto doc = inspect("filler");
  EXPECT_EQ(doc["State"]["Status"], "exited") << doc.dump();
  EXPECT_EQ(doc["State"]["ExitCode"], 3) << doc.dump();
  Result ps = mini({"ps", "-a"});
  EXPECT_THAT(ps.out, HasSubstr("Exited (3)"));
  EXPECT_EQ(mini({"rm", "filler"}).exit_code, 0);
  expect_store_clean();
}

TEST_F(FullDiskTest, DetachedExitStatusSurvivesTheContainerFillingTheStore) {
  if (skipped_) return;
  Result r = mini({"run", "-d", "--name", "bgfill", "--network", "none", "bb", "sh", "-c",
                   "echo started; cat /dev/zero > /fill 2>/dev/null; exit 7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Result wait = mini({"wait", "bgfill"});
  EXPECT_EQ(wait.exit_code, 0) << wait.err;
  EXPECT_EQ(wait.out, "7\n");
  EXPECT_EQ(inspect("bgfill")["State"]["ExitCode"], 7);
  EXPECT_EQ(mini({"rm", "bgfill"}).exit_code, 0);
  expect_store_clean();
}

TEST_F(FullDiskTest, CreateOnAFullStoreLeavesNothing) {
  if (skipped_) return;
  fill_store();
  for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"--rm"}, {"-d"}}) {
    std::vector<std::string> args = {"run", "--network", "none"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"bb", "true"});
    Result r = mini(args);
    EXPECT_EQ(r.exit_code, 125) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("No space left on device"));
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    std::vector<std::string> left;
    for (const auto& entry : fs::directory_iterator(root_ / "containers")) left.push_back(entry.path().string());
    EXPECT_EQ(left, std::vector<std::string>{}) << "nothing of the container may stay";
  }
  expect_store_clean();
  free_store();
  Result after = mini({"run", "--rm", "--network", "none", "bb", "echo", "ok"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, "ok\n");
}

}  // namespace
}  // namespace mini::test
