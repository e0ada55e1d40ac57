#include "store/scratch.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/error.h"
#include "store/fs_tree.h"

namespace mini::store {

namespace {

fs::path scan_lock(const Layout& layout) { return layout.locks() / "scratch.lock"; }

}  // namespace

fsutil::UniqueFd make_scratch_dir(const Layout& layout, const fs::path& dir) {
  fsutil::FileLock hold(scan_lock(layout), fsutil::FileLock::Mode::Shared);
  if (::mkdir(dir.c_str(), 0700) != 0) throw_errno("create " + dir.string());
  fsutil::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::rmdir(dir.c_str());
    throw_errno("lock " + dir.string(), err);
  }
  return fd;
}

bool scratch_in_use(const fs::path& dir) {
  fsutil::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return false;
  return ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

fsutil::FileLock lock_scratch_scan(const Layout& layout) { return fsutil::FileLock(scan_lock(layout)); }

void sweep_abandoned_ingests(const Layout& layout) {
  std::vector<fs::path> abandoned;
  {
    fsutil::FileLock scan = lock_scratch_scan(layout);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(layout.ingest(), ec))
      if (!scratch_in_use(entry.path())) abandoned.push_back(entry.path());
    // Unpacks in progress: layers/<hex>.tmp-<random> and import-<random>.tmp.
    for (const auto& entry : fs::directory_iterator(layout.layers(), ec)) {
      const std::string name = entry.path().filename().string();
      bool unpack = name.size() > 70 && name.compare(64, 5, ".tmp-") == 0;
      bool import = name.rfind("import-", 0) == 0 && name.size() > 11 && name.compare(name.size() - 4, 4, ".tmp") == 0;
      if ((unpack || import) && !scratch_in_use(entry.path())) abandoned.push_back(entry.path());
    }
  }
  for (const auto& dir : abandoned) {
    try {
      remove_tree(dir);
    } catch (const Error&) {
    }
  }
}

}  // namespace mini::store
