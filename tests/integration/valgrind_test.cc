// mini under valgrind: no leaks and no memory errors in the commands that
// read the store (issue 6: `valgrind --leak-check=full build/mini images`).
#include <unistd.h>

#include "lib/harness.h"

namespace mini::test {
namespace {

using ::testing::HasSubstr;

class ValgrindTest : public MiniTest {
 protected:
  // `mini ARGS` under memcheck; a leak or memory error makes it exit 99.
  Result under_valgrind(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
                                      "--error-exitcode=99", "--quiet", MINI_BINARY, "--root", root_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
  }
};

TEST_F(ValgrindTest, StoreCommandsLeakNothing) {
  if (skipped_) return;
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "valgrind can't run an ASan build of mini; the plain build runs this test";
#endif
  if (::access("/usr/bin/valgrind", X_OK) != 0) {
    if (in_ci()) FAIL() << "valgrind is missing (setup.sh installs it)";
    GTEST_SKIP() << "valgrind is missing; the leak check could NOT run";
  }
  Result imported = under_valgrind({"import", busybox_rootfs_tar().string(), "bb:latest"});
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  Result images = under_valgrind({"images"});
  EXPECT_EQ(images.exit_code, 0) << images.err;
  EXPECT_THAT(images.out, HasSubstr("bb"));
  Result check = under_valgrind({"system", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  Result refused = under_valgrind({"import", "/nonexistent.tar", "x:1"});
  EXPECT_EQ(refused.exit_code, 1) << "an error path leaks nothing either: " << refused.err;
}

}  // namespace
}  // namespace mini::test
