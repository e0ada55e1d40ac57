#include "store/scratch.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

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

}  // namespace mini::store
