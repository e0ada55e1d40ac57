#include <sched.h>

#include <gtest/gtest.h>

#include "common/error.h"
#include "runtime/namespaces.h"

namespace mini::runtime {
namespace {

TEST(RuntimeNamespaces, NewNamespacesAreCloneFlagsAndCgroupIsUnsharedLater) {
  NamespacePlan plan = plan_namespaces({{"pid", ""}, {"mount", ""}, {"network", ""}, {"cgroup", ""}, {"uts", ""}});
  EXPECT_EQ(plan.clone_flags,
            static_cast<unsigned long>(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS));
  EXPECT_TRUE(plan.new_cgroup);
  EXPECT_TRUE(plan.joins.empty());
  EXPECT_FALSE(plan.pid_path);
}

TEST(RuntimeNamespaces, PathsAreJoinedUserFirstAndPidBeforeClone) {
  NamespacePlan plan = plan_namespaces(
      {{"network", "/proc/1/ns/net"}, {"mount", ""}, {"user", "/proc/1/ns/user"}, {"pid", "/proc/1/ns/pid"}});
  EXPECT_EQ(plan.clone_flags, static_cast<unsigned long>(CLONE_NEWNS));
  ASSERT_EQ(plan.joins.size(), 2u);
  EXPECT_EQ(plan.joins[0].flag, CLONE_NEWUSER);
  EXPECT_EQ(plan.joins[1].flag, CLONE_NEWNET);
  EXPECT_EQ(plan.joins[1].path, "/proc/1/ns/net");
  ASSERT_TRUE(plan.pid_path);
  EXPECT_EQ(*plan.pid_path, "/proc/1/ns/pid");
  EXPECT_TRUE(plan.has(CLONE_NEWPID));
  EXPECT_TRUE(plan.has(CLONE_NEWNET));
  EXPECT_FALSE(plan.creates(CLONE_NEWNET));
}

TEST(RuntimeNamespaces, AMountNamespaceIsRequired) {
  EXPECT_THROW(plan_namespaces({{"pid", ""}}), Error);
  EXPECT_NO_THROW(plan_namespaces({{"mount", "/proc/1/ns/mnt"}}));
}

TEST(RuntimeNamespaces, OneTableNamesEveryKind) {
  ASSERT_TRUE(namespace_kind("network"));
  EXPECT_STREQ(namespace_kind("network")->proc_name, "net");
  EXPECT_EQ(namespace_kind("mount")->flag, CLONE_NEWNS);
  EXPECT_FALSE(namespace_kind("time-travel"));
  EXPECT_EQ(exec_namespace_flags({{"pid", ""}, {"mount", ""}, {"ipc", ""}}), CLONE_NEWNS | CLONE_NEWIPC);
}

}  // namespace
}  // namespace mini::runtime
