// Device rules: v1's text lines and the v2 BPF program, which the kernel's
// verifier must accept.
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/fs_util.h"
#include "runtime/device_filter.h"

namespace mini::runtime::cgroup {
namespace {

std::vector<DeviceRule> docker_defaults() {
  return {{false, 'a', -1, -1, "rwm"}, {true, 'c', -1, -1, "m"}, {true, 'c', 1, 3, "rwm"}, {true, 'c', 136, -1, "rwm"}};
}

TEST(RuntimeDeviceFilter, V1LinesUseStarsForAnyNumber) {
  auto rules = docker_defaults();
  EXPECT_EQ(v1_device_line(rules[0]), "a");
  EXPECT_EQ(v1_device_line(rules[1]), "c *:* m");
  EXPECT_EQ(v1_device_line(rules[2]), "c 1:3 rwm");
  EXPECT_EQ(v1_device_line(rules[3]), "c 136:* rwm");
}

TEST(RuntimeDeviceFilter, ProgramTestsTheLastRuleFirstAndDeniesByDefault) {
  auto program = device_program(docker_defaults());
  ASSERT_GT(program.size(), 8u);
  // The last two instructions: r0 = 0; exit.
  EXPECT_EQ(program[program.size() - 2].imm, 0);
  EXPECT_EQ(program.back().code, BPF_JMP | BPF_EXIT);
  // The first rule tested is the last one given (c 136:*), which allows.
  bool first_exit_allows = false;
  for (size_t i = 6; i < program.size(); ++i) {
    if (program[i].code == (BPF_JMP | BPF_EXIT)) {
      first_exit_allows = program[i - 1].imm == 1;
      break;
    }
  }
  EXPECT_TRUE(first_exit_allows);
  EXPECT_THROW(device_program({{true, 'c', 1, 3, "rwx"}}), std::exception);
}

TEST(RuntimeDeviceFilter, TheKernelVerifierAcceptsTheProgram) {
  if (geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root; not checked here";
  fsutil::UniqueFd fd(load_device_program(device_program(docker_defaults())));
  EXPECT_TRUE(fd);
}

}  // namespace
}  // namespace mini::runtime::cgroup
