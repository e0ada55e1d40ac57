#include "runtime/mount_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include "common/error.h"
#include "runtime/mount_plan.h"

namespace mini::runtime {
namespace {

using ::testing::HasSubstr;

const char* const kDockerRoot = "invalid specification: destination can't be '/'";

TEST(RuntimeMountRules, CleanPathIsGoPathClean) {
  EXPECT_EQ(clean_container_path("/"), "/");
  EXPECT_EQ(clean_container_path("//"), "/");
  EXPECT_EQ(clean_container_path("/./"), "/");
  EXPECT_EQ(clean_container_path("/bin/.."), "/");
  EXPECT_EQ(clean_container_path("/bin/../"), "/");
  EXPECT_EQ(clean_container_path("/.."), "/");
  EXPECT_EQ(clean_container_path("/../../x"), "/x");
  EXPECT_EQ(clean_container_path("."), "/");
  EXPECT_EQ(clean_container_path("a/.."), "/");
  EXPECT_EQ(clean_container_path("data"), "/data");
  EXPECT_EQ(clean_container_path("/data//sub/./x/"), "/data/sub/x");
  EXPECT_EQ(clean_container_path("/proc/self/../sys"), "/proc/sys");
  EXPECT_EQ(clean_container_path("/..."), "/...");
}

TEST(RuntimeMountRules, ProcPlacementFollowsRunc) {
  EXPECT_EQ(proc_placement("/proc"), ProcPlacement::Root);
  EXPECT_EQ(proc_placement("/proc/sys"), ProcPlacement::Inside);
  EXPECT_EQ(proc_placement("/proc/sysrq-trigger"), ProcPlacement::Inside);
  EXPECT_EQ(proc_placement("/proc/sys/kernel/core_pattern"), ProcPlacement::Inside);
  EXPECT_EQ(proc_placement("/proc/cpuinfo"), ProcPlacement::Allowed);
  EXPECT_EQ(proc_placement("/proc/meminfo"), ProcPlacement::Allowed);
  EXPECT_EQ(proc_placement("/proc/sys/kernel/ns_last_pid"), ProcPlacement::Allowed);
  EXPECT_EQ(proc_placement("/proc/cpuinfo/x"), ProcPlacement::Inside);
  EXPECT_EQ(proc_placement("/processes"), ProcPlacement::Outside);
  EXPECT_EQ(proc_placement("/pro"), ProcPlacement::Outside);
  EXPECT_EQ(proc_placement("/data/proc"), ProcPlacement::Outside);
  EXPECT_EQ(proc_placement("/"), ProcPlacement::Outside);
}

TEST(RuntimeMountRules, KernelFilesystemsNeedRealDirectories) {
  for (const char* fstype : {"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2", "overlay", "nfs"})
    EXPECT_TRUE(needs_real_directory(fstype, "/anywhere")) << fstype;
  EXPECT_TRUE(needs_real_directory("tmpfs", "/dev"));
  EXPECT_FALSE(needs_real_directory("tmpfs", "/dev/shm"));
  EXPECT_FALSE(needs_real_directory("tmpfs", "/var/run"));
}

TEST(RuntimeMountRules, PlanCleansDestinationsAndMarksSpecialFilesystems) {
  std::vector<Mount> mounts = {
      {"/proc/", "proc", "proc", {"nosuid"}},
      {"/dev", "tmpfs", "tmpfs", {"mode=755"}},
      {"/dev//pts", "devpts", "devpts", {}},
      {"/dev/shm", "tmpfs", "shm", {}},
      {"/sys/./", "sysfs", "sysfs", {"ro"}},
      {"/data/../vol", "bind", "/host", {"rbind"}},
  };
  auto steps = plan_mounts(mounts, [](const std::string&) { return true; });
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_EQ(steps[0].target, "/proc");
  EXPECT_TRUE(steps[0].real_directory);
  EXPECT_TRUE(steps[1].real_directory) << "the /dev tmpfs is mini's to fill";
  EXPECT_EQ(steps[2].target, "/dev/pts");
  EXPECT_TRUE(steps[2].real_directory);
  EXPECT_FALSE(steps[3].real_directory);
  EXPECT_EQ(steps[4].target, "/sys");
  EXPECT_TRUE(steps[4].real_directory);
  EXPECT_EQ(steps[5].target, "/vol");
  EXPECT_FALSE(steps[5].real_directory);
}

TEST(RuntimeMountRules, CgroupStepsAllNeedRealDirectories) {
  cgroup::Hierarchy v1;
  v1.v1_mounts = {{"memory", "/sys/fs/cgroup/memory"}, {"cpu", "/sys/fs/cgroup/cpu,cpuacct"},
                  {"cpuacct", "/sys/fs/cgroup/cpu,cpuacct"}};
  v1.unified = "/sys/fs/cgroup/unified";
  auto steps = plan_mounts({{"/sys/fs/cgroup/", "cgroup", "cgroup", {"ro"}}}, [](const std::string&) { return true; },
                           v1);
  ASSERT_EQ(steps.size(), 5u);
  for (const auto& step : steps) EXPECT_TRUE(step.real_directory) << step.target;
  EXPECT_EQ(steps[0].target, "/sys/fs/cgroup");
  EXPECT_EQ(steps[0].flags & MS_RDONLY, 0u) << "the holder takes its directories first";
  EXPECT_EQ(steps[1].target, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(steps[3].target, "/sys/fs/cgroup/unified");
  // Sealed right after its hierarchies, before a later mount can cover it.
  EXPECT_EQ(steps[4].target, "/sys/fs/cgroup");
  EXPECT_TRUE(steps[4].seal_readonly);
  EXPECT_EQ(steps[4].flags & MS_RDONLY, static_cast<unsigned long>(MS_RDONLY));
}

TEST(RuntimeMountRules, PlanRefusesTheRootInEverySpelling) {
  for (const char* destination : {"/", "//", "/.", "/./", "/bin/..", "/../..", "/tmp/../"}) {
    for (const char* type : {"bind", "tmpfs", "proc"}) {
      try {
        plan_mounts({{destination, type, "/host", {}}}, [](const std::string&) { return true; });
        ADD_FAILURE() << destination << " as " << type << " was accepted";
      } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), root_destination_error(type)) << destination;
        EXPECT_THAT(e.what(), HasSubstr(kDockerRoot));
      }
    }
  }
  EXPECT_EQ(root_destination_error("bind"),
            "invalid mount config for type \"bind\": invalid specification: destination can't be '/'");
}

}  // namespace
}  // namespace mini::runtime
