#pragma once
// What the integration tests share: running mini as a user would, a fresh
// store per test, and the test images (built from busybox-static, or taken
// from ../shared/images).
#include <gmock/gmock.h>  // HasSubstr and EXPECT_THAT, header-only
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace mini::test {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out, err;
};

// Runs argv with `input` on stdin (closed after writing). Never throws on
// a non-zero exit; the test asserts on it.
Result run_process(const std::vector<std::string>& argv, const std::string& input = "",
                   const std::map<std::string, std::string>& extra_env = {});

// Skips (or, under CI=true, fails) unless we are root: containers need it.
bool require_root();
// The directory of the real images, or "" after saying loudly why not.
fs::path shared_images();
bool in_ci();

// A rootfs tarball made of Debian's busybox-static plus mini-probe and a
// minimal /etc; built once per test binary run.
fs::path busybox_rootfs_tar();

// The non-empty lines of `text`.
std::vector<std::string> lines_of(const std::string& text);

// The whole file, bytes as they are ("" when it can't be read).
std::string read_text(const fs::path& path);

// Every non-directory below `dir`.
std::vector<fs::path> files_under(const fs::path& dir);

// The probe's "key=value" lines as a map; the first of a repeated key wins.
std::map<std::string, std::string> probe_values(const std::string& out);

// Everything lstat says about each entry below `root`, and file contents
// and symlink targets: any write, chmod, chown, link or touch shows.
std::map<std::string, std::string> snapshot(const fs::path& root);

// Mounts under `root` still present in the host's mount table.
std::vector<std::string> mounts_under(const fs::path& root);

class MiniTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // `mini --root <store> args...`
  Result mini(const std::vector<std::string>& args, const std::string& input = "");
  // Imports the busybox-static rootfs as "bb:latest" (once per test).
  void import_busybox();
  // Imports ../shared/images' Alpine 3.20.3 as "alpine:3.20"; false (after
  // GTEST_SKIP or a CI failure) when the image is not there.
  bool import_alpine();
  // shared_images(), or "" after skipping the test (failing it under
  // CI=true) and setting skipped_; `tests` names them in the message.
  fs::path require_shared_images(const std::string& tests);

  fs::path root_;
  bool skipped_ = false;
};

}  // namespace mini::test
