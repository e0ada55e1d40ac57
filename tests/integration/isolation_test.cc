// Isolation, limits and the known escapes, seen from inside by mini-probe.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "lib/harness.h"

namespace mini::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class IsolationTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (!skipped_) import_busybox();
  }
  std::map<std::string, std::string> probe(std::vector<std::string> flags) {
    std::vector<std::string> args = {"run", "--rm"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"bb", "mini-probe"});
    Result r = mini(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return probe_values(r.out);
  }
};

TEST_F(IsolationTest, DefaultsMatchDocker) {
  if (skipped_) return;
  auto v = probe({});
  EXPECT_EQ(v["cap_eff"], "00000000a80425fb") << "Docker's default capability set";
  EXPECT_EQ(v["cap_bnd"], "00000000a80425fb");
  EXPECT_EQ(v["seccomp"], "2");
  EXPECT_EQ(v["keyctl"], "Operation not permitted");
  EXPECT_EQ(v["io_uring_setup"], "Operation not permitted") << "Docker blocks io_uring since v25";
  // Masked: empty where the kernel has them (kcore needs CONFIG_PROC_KCORE).
  if (fs::exists("/proc/kcore")) {
    EXPECT_EQ(v["kcore_bytes"], "0") << "/proc/kcore is masked";
  }
  if (fs::exists("/proc/timer_list")) {
    EXPECT_EQ(v["timer_list_bytes"], "0") << "/proc/timer_list is masked";
  }
  EXPECT_NE(v["proc_sys_write"], "ok") << "/proc/sys is read-only";
  std::istringstream map(v["uid_map"]);
  std::string inside, outside, count;
  map >> inside >> outside >> count;
  EXPECT_EQ(inside + " " + outside + " " + count, "0 0 4294967295") << "--userns=host is the default as root";
}

TEST_F(IsolationTest, CapabilityFlags) {
  if (skipped_) return;
  EXPECT_EQ(probe({"--cap-drop", "ALL"})["cap_eff"], "0000000000000000");
  auto added = probe({"--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN"});
  EXPECT_EQ(added["cap_eff"], "00000000a80435fa");  // +bit 12, -bit 0
  auto nonroot = probe({"-u", "nobody"});
  EXPECT_EQ(nonroot["uid"], "65534");
  EXPECT_EQ(nonroot["cap_eff"], "0000000000000000") << "a non-root user keeps no effective capabilities";
  EXPECT_EQ(nonroot["cap_bnd"], "00000000a80425fb");
  auto privileged = probe({"--privileged"});
  EXPECT_EQ(privileged["seccomp"], "0");
  EXPECT_NE(privileged["cap_eff"], "00000000a80425fb");
  auto unconfined = probe({"--security-opt", "seccomp=unconfined"});
  EXPECT_EQ(unconfined["seccomp"], "0");
  // Proves the default's refusal comes from the profile, not the kernel.
  std::string io_uring_disabled;
  std::ifstream("/proc/sys/kernel/io_uring_disabled") >> io_uring_disabled;
  if (io_uring_disabled == "0") {
    EXPECT_EQ(unconfined["io_uring_setup"], "ok");
  }
  EXPECT_EQ(probe({"--security-opt", "no-new-privileges"})["no_new_privs"], "1");
}

TEST_F(IsolationTest, CgroupLimitsAreVisibleInside) {
  if (skipped_) return;
  auto v = probe({"--memory", "64m", "--cpus", "0.5", "--pids-limit", "20"});
  EXPECT_EQ(v["memory_limit"], "67108864");
  EXPECT_THAT(v["cpu_quota"], ::testing::StartsWith("50000"));
  EXPECT_EQ(v["pids_max"], "20");
  EXPECT_THAT(v["cgroup"], Not(HasSubstr("mini"))) << "the container has its own cgroup namespace";
}

TEST_F(IsolationTest, OutOfMemoryIs137AndRecorded) {
  if (skipped_) return;
  Result r = mini({"run", "--name", "hog", "--memory", "32m", "bb", "sh", "-c", "head -c 128m /dev/zero | tail"});
  EXPECT_EQ(r.exit_code, 137) << r.err;
  std::ifstream state(root_ / "containers");
  bool recorded = false;
  for (const auto& entry : fs::directory_iterator(root_ / "containers")) {
    std::ifstream in(entry.path() / "state.json");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    recorded |= text.find("\"oom_killed\": true") != std::string::npos;
  }
  EXPECT_TRUE(recorded) << "state.json records OOMKilled";
}

TEST_F(IsolationTest, PidsLimitStopsAForkLoop) {
  if (skipped_) return;
  Result r = mini({"run", "--rm", "--pids-limit", "20", "bb", "sh", "-c", "for i in $(seq 40); do sleep 5 & done"});
  EXPECT_THAT(r.err, HasSubstr("can't fork")) << "40 processes fit under --pids-limit 20";
}

TEST_F(IsolationTest, ReadOnlyRootRefusesWrites) {
  if (skipped_) return;
  Result r = mini({"run", "--rm", "--read-only", "bb", "mini-probe", "write", "/new-file"});
  EXPECT_THAT(r.out, HasSubstr("Read-only file system"));
  Result tmpfs = mini({"run", "--rm", "--read-only", "--tmpfs", "/scratch", "bb", "mini-probe", "write", "/scratch/f"});
  EXPECT_THAT(tmpfs.out, HasSubstr("=ok")) << tmpfs.err;
}

TEST_F(IsolationTest, VolumeWritesReachTheHostWithTheRightOwner) {
  if (skipped_) return;
  fs::path host = root_ / "vol";
  Result r = mini({"run", "--rm", "-v", host.string() + ":/data", "bb", "sh", "-c", "echo x > /data/f"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::stat((host / "f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);

  fs::path remapped = root_ / "vol-remap";
  Result remap = mini({"run", "--rm", "--userns=remap", "-v", remapped.string() + ":/data", "bb", "sh", "-c",
                       "echo x > /data/f; cat /proc/self/uid_map"});
  ASSERT_EQ(remap.exit_code, 0) << remap.err;
  std::istringstream map(remap.out);
  unsigned inside = 1, outside = 0;
  map >> inside >> outside;
  EXPECT_EQ(inside, 0u);
  EXPECT_NE(outside, 0u) << "container root is not host root under --userns=remap";
  ASSERT_EQ(::stat((remapped / "f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, outside);
  Result files = mini({"run", "--rm", "--userns=remap", "bb", "stat", "-c", "%u", "/bin/busybox"});
  EXPECT_EQ(files.out, "0\n") << "the image's files belong to the container's root";
}

// CVE-2024-21626: a leaked descriptor and a cwd through it led to the host.
TEST_F(IsolationTest, NoHostDescriptorReachesTheContainer) {
  if (skipped_) return;
  auto v = probe({});
  EXPECT_EQ(v.count("fd"), 0u) << "leaked: " << v["fd"];
  Result r = mini({"run", "--rm", "-w", "/proc/self/fd/3", "bb", "pwd"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_THAT(r.err, HasSubstr("outside the container"));
}

// A volume target that is a symlink out of the rootfs lands inside it.
TEST_F(IsolationTest, SymlinkedVolumeTargetsStayInTheRootfs) {
  if (skipped_) return;
  fs::path outside = root_ / "outside";
  fs::create_directories(outside);
  fs::path layer = root_ / "evil";
  fs::create_directories(layer);
  fs::create_symlink(outside, layer / "escape");
  fs::path tar = root_ / "evil.tar";
  fs::copy_file(busybox_rootfs_tar(), tar);
  ASSERT_EQ(run_process({"tar", "-C", layer.string(), "-rf", tar.string(), "./escape"}).exit_code, 0);
  ASSERT_EQ(mini({"import", tar.string(), "evil"}).exit_code, 0);
  fs::path source = root_ / "source";
  fs::create_directories(source);
  Result r = mini({"run", "--rm", "-v", source.string() + ":/escape/mnt", "evil", "sh", "-c",
                   "echo in > /escape/mnt/f; ls -d /escape/mnt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(outside / "mnt")) << "the mount target was created on the host";
  EXPECT_TRUE(fs::exists(source / "f"));
}

// CVE-2019-5736: nothing in the container may reach the runtime's binary.
TEST_F(IsolationTest, TheRuntimeBinaryIsOutOfReach) {
  if (skipped_) return;
  Result r = mini({"run", "--rm", "--init", "bb", "sh", "-c",
                   "for e in /proc/[0-9]*/exe; do readlink $e; done; echo > /sbin/mini-init && echo overwritten"});
  EXPECT_THAT(r.out, Not(HasSubstr(fs::canonical(MINI_BINARY).string())));
  EXPECT_THAT(r.out, HasSubstr("/bin/busybox"));
  EXPECT_THAT(r.out, Not(HasSubstr("overwritten")));
  EXPECT_THAT(r.err, HasSubstr("Read-only file system"));
}

TEST_F(IsolationTest, ProcOneRootShowsOnlyTheContainer) {
  if (skipped_) return;
  Result r = mini({"run", "--rm", "bb", "sh", "-c", "ls /proc/1/root/ /proc/1/root/..; cat /proc/1/root/../../etc/hostname"});
  EXPECT_THAT(r.out, Not(HasSubstr("home")));
}

TEST_F(IsolationTest, OnlyTheStandardDevicesAreUsable) {
  if (skipped_) return;
  Result r = mini({"run", "--rm", "--network", "none", "bb", "sh", "-c",
                   "mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem; head -c 1 /dev/zero | wc -c"});
  EXPECT_THAT(r.err, HasSubstr("Operation not permitted")) << "/dev/mem's numbers are outside the device cgroup";
  EXPECT_THAT(r.out, HasSubstr("1"));
  Result added = mini({"run", "--rm", "--network", "none", "--device", "/dev/full:/dev/extra", "bb", "sh", "-c",
                       "ls -l /dev/extra; echo x > /dev/extra"});
  EXPECT_THAT(added.out, HasSubstr("1,   7"));
  EXPECT_THAT(added.err, HasSubstr("No space left on device")) << "the added device works like /dev/full";
}

TEST_F(IsolationTest, NamedVolumesAreListedAndRemoved) {
  if (skipped_) return;
  ASSERT_EQ(mini({"run", "--rm", "--network", "none", "-v", "data1:/data", "bb", "sh", "-c", "echo v > /data/f"}).exit_code, 0);
  EXPECT_EQ(mini({"run", "--rm", "--network", "none", "-v", "data1:/data", "bb", "cat", "/data/f"}).out, "v\n");
  EXPECT_THAT(mini({"volume", "ls"}).out, HasSubstr("data1"));
  ASSERT_EQ(mini({"run", "--name", "holder", "--network", "none", "-v", "data1:/data", "bb", "true"}).exit_code, 0);
  Result busy = mini({"volume", "rm", "data1"});
  EXPECT_NE(busy.exit_code, 0);
  EXPECT_THAT(busy.err, HasSubstr("in use"));
  mini({"rm", "holder"});
  EXPECT_EQ(mini({"volume", "rm", "data1"}).exit_code, 0);
  EXPECT_EQ(mini({"volume", "ls", "-q"}).out, "");
  mini({"volume", "create", "spare"});
  EXPECT_THAT(mini({"volume", "prune"}).out, HasSubstr("spare"));
}

TEST_F(IsolationTest, GroupAddJoinsMoreGroups) {
  if (skipped_) return;
  Result r = mini({"run", "--rm", "--network", "none", "-u", "nobody", "--group-add", "root", "--group-add", "42", "bb",
                   "id", "-G"});
  EXPECT_EQ(r.out, "65534 0 42\n") << r.err;
}

}  // namespace
}  // namespace mini::test
