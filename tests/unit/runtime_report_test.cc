#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include "runtime/cgroup.h"
#include "runtime/contain/report.h"
#include "common/error.h"

namespace mini::runtime {
namespace {

ChildReport report(Step step, int err, const char* detail = "") {
  ChildReport r;
  r.step = step;
  r.err = err;
  std::snprintf(r.detail, sizeof(r.detail), "%s", detail);
  return r;
}

TEST(RuntimeReport, StepAndErrnoBecomeTheMessage) {
  EXPECT_EQ(report_message(report(Step::Mount, ENOENT, "/data")), "mount /data: No such file or directory");
  EXPECT_EQ(report_message(report(Step::PivotRoot, EINVAL)), "pivot_root: Invalid argument");
}

TEST(RuntimeReport, RefusalsAreTheirOwnText) {
  EXPECT_EQ(report_message(report(Step::Refused, 0, "cannot mask /proc/kcore: a symlink is on the way to it")),
            "cannot mask /proc/kcore: a symlink is on the way to it");
}

TEST(RuntimeReport, HintsNameNoCommandLineFlag) {
  for (Step step : {Step::Mount, Step::CreateMountTarget, Step::EnterWorkingDirectory, Step::BindRootfs}) {
    for (int err : {EPERM, ENOTDIR, ENOENT}) {
      std::string message = report_message(report(step, err, "/x"));
      EXPECT_EQ(message.find("--"), std::string::npos) << message;
      EXPECT_EQ(message.find("mini "), std::string::npos) << message;
    }
  }
  EXPECT_NE(report_message(report(Step::Mount, EPERM)).find("need root"), std::string::npos);
}

TEST(RuntimeReport, EveryStepHasText) {
  for (int i = 0; i <= static_cast<int>(Step::RaiseAmbientCapability); ++i)
    EXPECT_STRNE(step_text(static_cast<Step>(i)), "") << i;
  EXPECT_STREQ(step_text(Step::Exec), "exec");
}

TEST(SystemdCgroupPath, ParsesSlicePrefixName) {
  auto path = cgroup::parse_systemd_path("machine.slice:libpod:abc", "id");
  EXPECT_EQ(path.slice, "machine.slice");
  EXPECT_EQ(path.prefix, "libpod");
  EXPECT_EQ(path.name, "abc");
  EXPECT_EQ(path.unit(), "libpod-abc.scope");
  auto defaults = cgroup::parse_systemd_path("", "id");
  EXPECT_EQ(defaults.slice, "system.slice");
  EXPECT_EQ(defaults.unit(), "mini-id.scope");
  EXPECT_EQ(cgroup::parse_systemd_path(":p:", "id").unit(), "p-id.scope");
  EXPECT_EQ(cgroup::parse_systemd_path("user.slice::x.slice", "id").unit(), "x.slice");
}

TEST(SystemdCgroupPath, RefusesWhatIsNotSlicePrefixName) {
  for (const char* bad : {"/mini/abc", "a:b", "a:b:c:d", "system.slice:p:../x", "notaslice:p:n"})
    EXPECT_THROW(cgroup::parse_systemd_path(bad, "id"), Error) << bad;
}

TEST(SystemdCgroupPath, SaysSoWhereSystemdIsNotPid1) {
  try {
    cgroup::make_systemd_manager("system.slice:mini:x", "x", "tini\n");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs systemd as PID 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("\"tini\""), std::string::npos) << e.what();
  }
}

TEST(NoneCgroup, RefusesLimitsAndHasNoPaths) {
  auto none = cgroup::make_none_manager();
  EXPECT_NO_THROW(none->create({}));
  EXPECT_TRUE(none->paths().empty());
  cgroup::Limits limits;
  limits.memory = 1 << 20;
  EXPECT_THROW(none->create(limits), Error);
}

TEST(NoneCgroup, HoldsRulesThatOnlyAllowDevicesButRefusesADeny) {
  auto none = cgroup::make_none_manager();
  cgroup::Limits limits;
  limits.devices.push_back({true, 'c', 1, 3, "rwm"});
  EXPECT_NO_THROW(none->create(limits));
  limits.devices.push_back({false, 'a', -1, -1, "rwm"});
  EXPECT_THROW(none->create(limits), Error);
}

}  // namespace
}  // namespace mini::runtime
