// cgroup logic against a fake cgroupfs in a temp dir: no root, no kernel.
#include <algorithm>
#include <gtest/gtest.h>

#include <fstream>

#include "common/error.h"
#include "common/fs_util.h"
#include "runtime/cgroup.h"

namespace mini::runtime::cgroup {
namespace {

// Plain files stand in for the kernel's: written ones are created, and a
// cgroup directory goes with the files in it.
class FakeFiles : public ControlFiles {
 public:
  void write(const fs::path& dir, const std::string& file, const std::string& value) const override {
    std::ofstream(dir / file, std::ios::trunc) << value;
  }
  void remove(const fs::path& dir) const override { fs::remove_all(dir); }
};

class FakeCgroupfs : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("mini-fake-cgroup-" + fsutil::random_hex(6));
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  std::string read(const fs::path& path) { return fsutil::read_file(path); }
  fs::path root_;
  FakeFiles files_;
};

TEST(CgroupHierarchy, ParsesHybridMountsAndOwnPaths) {
  std::string mountinfo =
      "30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
      "32 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
      "33 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
  std::string self = "4:memory:/jobs/x\n3:cpu,cpuacct:/\n1:name=systemd:/\n0::/\n";
  Hierarchy h = parse_hierarchy(mountinfo, self);
  ASSERT_TRUE(h.unified);
  EXPECT_EQ(*h.unified, "/sys/fs/cgroup/unified");
  EXPECT_EQ(h.v1_mounts.at("memory"), "/sys/fs/cgroup/memory");
  EXPECT_EQ(h.v1_mounts.at("cpu"), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(h.v1_mounts.at("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_FALSE(h.v1_mounts.count("name=systemd"));
  EXPECT_EQ(h.v1_own_paths.at("memory"), "/jobs/x");
}

TEST(CgroupLimits, ParsesOciResources) {
  auto limits = parse_limits(nlohmann::json::parse(R"({
    "memory": {"limit": 33554432, "swap": 67108864},
    "cpu": {"shares": 512, "quota": 150000, "period": 100000, "cpus": "0-1"},
    "pids": {"limit": 64}})"));
  EXPECT_EQ(limits.memory, 33554432);
  EXPECT_EQ(limits.memory_swap, 67108864);
  EXPECT_EQ(limits.cpu_shares, 512u);
  EXPECT_EQ(limits.cpu_quota, 150000);
  EXPECT_EQ(limits.cpuset_cpus, "0-1");
  EXPECT_EQ(limits.pids, 64);
  EXPECT_THROW(parse_limits(nlohmann::json::parse(R"({"memory": {"limit": "lots"}})")), Error);
}

TEST(CgroupLimits, SharesToWeightMatchesRunc) {
  EXPECT_EQ(shares_to_weight(2), 1u);
  EXPECT_EQ(shares_to_weight(1024), 39u);
  EXPECT_EQ(shares_to_weight(262144), 10000u);
}

TEST_F(FakeCgroupfs, V2EnablesControllersAndWritesLimits) {
  write(root_ / "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  auto manager = make_v2_manager(root_, "mini/abc", files_);
  Limits limits;
  limits.memory = 32 << 20;
  limits.memory_swap = 64 << 20;
  limits.cpu_quota = 150000;
  limits.cpu_period = 100000;
  limits.cpu_shares = 1024;
  limits.pids = 64;
  manager->create(limits);
  fs::path leaf = root_ / "mini" / "abc";
  EXPECT_EQ(read(root_ / "cgroup.subtree_control"), "+cpu +memory +pids");
  EXPECT_EQ(read(root_ / "mini" / "cgroup.subtree_control"), "+cpu +memory +pids");
  EXPECT_EQ(read(leaf / "memory.max"), "33554432");
  EXPECT_EQ(read(leaf / "memory.swap.max"), "33554432");
  EXPECT_EQ(read(leaf / "cpu.max"), "150000 100000");
  EXPECT_EQ(read(leaf / "cpu.weight"), "39");
  EXPECT_EQ(read(leaf / "pids.max"), "64");

  manager->add_process(4242);
  EXPECT_EQ(read(leaf / "cgroup.procs"), "4242");

  EXPECT_FALSE(manager->oom_killed());
  write(leaf / "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  EXPECT_TRUE(manager->oom_killed());

  manager->destroy();
  EXPECT_FALSE(fs::exists(leaf));
  EXPECT_TRUE(fs::exists(root_ / "mini")) << "the shared parent stays for other containers";
}

TEST_F(FakeCgroupfs, V2UnlimitedValuesAreMax) {
  write(root_ / "cgroup.controllers", "memory pids\n");
  Limits limits;
  limits.memory = -1;
  limits.pids = 0;
  make_v2_manager(root_, "mini/u", files_)->create(limits);
  EXPECT_EQ(read(root_ / "mini" / "u" / "memory.max"), "max");
  EXPECT_EQ(read(root_ / "mini" / "u" / "pids.max"), "max");
}

TEST_F(FakeCgroupfs, V2MissingControllerIsAClearError) {
  write(root_ / "cgroup.controllers", "cpu\n");
  Limits limits;
  limits.pids = 10;
  try {
    make_v2_manager(root_, "mini/x", files_)->create(limits);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pids controller is not available"), std::string::npos) << e.what();
  }
}

TEST_F(FakeCgroupfs, V1PlacesEachControllerUnderOwnPath) {
  Hierarchy h;
  for (const char* c : {"memory", "pids", "cpuset"}) h.v1_mounts[c] = root_ / c;
  h.v1_own_paths["memory"] = "/jobs/x";
  write(root_ / "cpuset" / "cpuset.cpus", "0-1\n");
  write(root_ / "cpuset" / "cpuset.mems", "0\n");
  for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
    write(root_ / "cpuset" / "mini" / f, "\n");
    write(root_ / "cpuset" / "mini" / "c1" / f, "\n");
  }
  write(root_ / "memory" / "jobs" / "x" / "mini" / "c1" / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  write(root_ / "memory" / "jobs" / "x" / "mini" / "c1" / "memory.memsw.limit_in_bytes", "");
  auto manager = make_v1_manager(h, "mini/c1", files_);
  Limits limits;
  limits.memory = 1 << 20;
  limits.memory_swap = 2 << 20;
  limits.pids = 5;
  manager->create(limits);
  fs::path memory = root_ / "memory" / "jobs" / "x" / "mini" / "c1";
  EXPECT_EQ(read(memory / "memory.limit_in_bytes"), "1048576");
  EXPECT_EQ(read(memory / "memory.memsw.limit_in_bytes"), "2097152");
  EXPECT_EQ(read(root_ / "pids" / "mini" / "c1" / "pids.max"), "5");
  EXPECT_EQ(read(root_ / "cpuset" / "mini" / "c1" / "cpuset.cpus"), "0-1\n") << "cpuset inherits from its parent";
  EXPECT_FALSE(manager->oom_killed());
  write(memory / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  EXPECT_TRUE(manager->oom_killed());
  manager->add_process(77);
  EXPECT_EQ(read(root_ / "pids" / "mini" / "c1" / "cgroup.procs"), "77");
  // The child moves itself in through each hierarchy's tasks file.
  std::vector<fs::path> join = manager->self_join_files();
  std::sort(join.begin(), join.end());
  EXPECT_EQ(join, (std::vector<fs::path>{root_ / "cpuset" / "mini" / "c1" / "tasks", memory / "tasks",
                                         root_ / "pids" / "mini" / "c1" / "tasks"}));
  manager->destroy();
  EXPECT_FALSE(fs::exists(memory));
}

TEST(CgroupManager, PicksV2OnlyOnPureV2Hosts) {
  Hierarchy hybrid;
  hybrid.unified = "/sys/fs/cgroup/unified";
  hybrid.v1_mounts["memory"] = "/sys/fs/cgroup/memory";
  EXPECT_EQ(make_manager(hybrid, "mini/x")->paths().front(), "/sys/fs/cgroup/memory/mini/x");
  Hierarchy pure;
  pure.unified = "/sys/fs/cgroup";
  EXPECT_EQ(make_manager(pure, "mini/x")->paths().front(), "/sys/fs/cgroup/mini/x");
  EXPECT_THROW(make_manager(Hierarchy{}, "mini/x"), Error);
}

}  // namespace
}  // namespace mini::runtime::cgroup
