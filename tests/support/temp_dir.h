#pragma once
// A fresh directory for one test under $TMPDIR (else /tmp), removed with all
// it holds when the test ends, whatever modes the test left in it (blobs are
// 0444, unpacked layers keep the image's modes). Header-only: every
// module's unit tests use it and link no module for it.
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

namespace mini::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "mini-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() { remove(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }

  static void remove(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    // Directories opened up before they are entered, so nothing is left
    // for being unreadable or unwritable.
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_directory(ec) && !it->is_symlink(ec))
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }

 private:
  std::filesystem::path path_;
};

// A fixture whose tests each get `dir_`, made before SetUp and removed
// after TearDown.
class TempDirTest : public ::testing::Test {
 protected:
  explicit TempDirTest(const std::string& prefix = "mini-test") : temp_(prefix), dir_(temp_.path()) {}

  TempDir temp_;
  const std::filesystem::path dir_;
};

}  // namespace mini::test
