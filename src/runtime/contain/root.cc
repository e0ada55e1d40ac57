// The root: masked and read-only paths, pivot_root, the read-only root.

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>

#include "common/error.h"
#include "runtime/mount_rules.h"
#include "runtime/contain/steps.h"

namespace mini::runtime::steps {

void pivot_into(const ChildPlan& plan, int root_fd) noexcept {
  if (::fchdir(root_fd) != 0) fail(plan, Step::EnterRootfs, errno);
  // pivot_root(".", ".") stacks the old root on top of the new one; the
  // detach below then leaves only the container's tree.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) fail(plan, Step::PivotRoot, errno);
  if (::umount2(".", MNT_DETACH) != 0) fail(plan, Step::DetachOldRoot, errno);
  if (::chdir("/") != 0) fail(plan, Step::Chdir, errno);
}

// Whether a path that isn't there is one this kernel lacks: its nearest
// ancestor that exists is on the kernel's own procfs or sysfs.
bool kernel_lacks(int root_fd, const char* path) noexcept {
  char buf[PATH_MAX];
  size_t len = std::strlen(path);
  if (len >= sizeof(buf)) return false;
  std::memcpy(buf, path, len + 1);
  while (char* slash = std::strrchr(buf, '/')) {
    *slash = '\0';
    int fd = open_no_symlinks(root_fd, buf, O_PATH | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT) continue;
    if (fd < 0) return false;
    struct statfs fs {};
    bool kernel = ::fstatfs(fd, &fs) == 0 && (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC);
    ::close(fd);
    return kernel;
  }
  return false;
}

// Opens a masked or read-only path exactly as it is mounted: no symlink on
// the way, never above the root. -1 when the kernel has no such path.
int open_protected_path(const ChildPlan& plan, int root_fd, const char* path, Step step) noexcept {
  const char* what = step_text(step);
  int fd = open_no_symlinks(root_fd, path, O_PATH);
  if (fd >= 0) return fd;
  if (errno == ENOENT && kernel_lacks(root_fd, path)) return -1;
  if (errno == ELOOP) refuse(plan, "cannot %s %s: a symlink is on the way to it", what, path);
  if (errno == ENOENT)
    refuse(plan, "cannot %s %s: it is missing, and what holds it is not the kernel's procfs or sysfs", what, path);
  fail(plan, step, errno, path);
}

// Masked and read-only paths, once every mount is in place and before the
// pivot: each is opened from the new root without following a symlink, and
// mounted onto through its descriptor, so a mask lands on what is really
// mounted at its path or the container is refused.
void protect_paths(const ChildPlan& plan, int root_fd) noexcept {
  char path[64];
  for (size_t i = 0; i < plan.masked_paths.size(); ++i) {
    const auto& masked = plan.masked_paths[i];
    // Under a directory masked already: hidden, and not there to open.
    bool hidden = false;
    for (size_t j = 0; j < i && !hidden; ++j) {
      const auto& above = plan.masked_paths[j];
      hidden = masked.size() > above.size() && masked.compare(0, above.size(), above) == 0 &&
               (above.back() == '/' || masked[above.size()] == '/');
    }
    if (hidden) continue;
    int fd = open_protected_path(plan, root_fd, masked.c_str(), Step::Mask);
    if (fd < 0) continue;
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail(plan, Step::Mask, errno, masked.c_str());
    fd_path(fd, path);
    // The host's /dev/null: the container's own is whatever the image put there.
    int rc = S_ISDIR(st.st_mode) ? ::mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                           "size=0k")
                                 : ::mount("/dev/null", path, nullptr, MS_BIND, nullptr);
    if (rc != 0) fail(plan, Step::Mask, errno, masked.c_str());
    ::close(fd);
  }
  for (const auto& readonly : plan.readonly_paths) {
    int fd = open_protected_path(plan, root_fd, readonly.c_str(), Step::MakeReadOnly);
    if (fd < 0) continue;
    fd_path(fd, path);
    if (::mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0)
      fail(plan, Step::MakeReadOnly, errno, readonly.c_str());
    // Reopened, the same path reaches the new bind, which is what takes ro.
    int bound = open_no_symlinks(root_fd, readonly.c_str(), O_PATH);
    if (bound < 0) fail(plan, Step::MakeReadOnly, errno, readonly.c_str());
    if (!same_inode(fd, bound)) refuse(plan, "cannot make %s read-only: it moved while it was mounted", readonly.c_str());
    ::close(fd);
    fd_path(bound, path);
    if (::mount(nullptr, path, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(path), nullptr) != 0)
      fail(plan, Step::MakeReadOnly, errno, readonly.c_str());
    ::close(bound);
  }
}

void seal_root(const ChildPlan& plan) noexcept {
  if (plan.root_readonly &&
      ::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), nullptr) != 0)
    fail(plan, Step::MakeRootReadOnly, errno);
}

}  // namespace mini::runtime::steps
