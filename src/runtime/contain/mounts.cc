// The spec's mounts, one at a time, each checked where it resolved to before
// anything lands on it.

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

// runc's rules for /proc, on `where` (the clean path a target is, or
// resolves to): only a procfs on /proc, and below it only lxcfs's files.
void check_proc_placement(const ChildPlan& plan, const MountStep& step, const char* where, ProcPlacement placement,
                          int source_fd) noexcept {
  // Said only when a symlink took the target elsewhere.
  char resolved[PATH_MAX + 32] = "";
  if (std::strcmp(where, step.target.c_str()) != 0)
    std::snprintf(resolved, sizeof(resolved), " (it resolves to %s)", where);
  if (placement == ProcPlacement::Root) {
    bool procfs = step.bind ? on_procfs(source_fd) : step.fstype == "proc";
    if (!procfs)
      refuse(plan, "\"%s\" cannot be mounted because it is not of type proc%s; only a procfs goes on /proc",
             step.target.c_str(), resolved);
  } else if (placement == ProcPlacement::Inside) {
    refuse(plan,
           "\"%s\" cannot be mounted because it is inside /proc%s; only /proc/cpuinfo, /proc/meminfo and the "
           "other files lxcfs serves may be mounted over",
           step.target.c_str(), resolved);
  }
}

// What the target resolved to, checked before anything is mounted on it:
// never the container's root (the volume would vanish and its writes land
// in the rootfs), and inside /proc only what runc allows.
void check_target(const ChildPlan& plan, int root_fd, const char* root_path, const MountStep& step, int target,
                  int source_fd) noexcept {
  const char* type = step.bind ? "bind" : step.fstype.c_str();
  if (same_inode(target, root_fd))
    refuse(plan, "invalid mount config for type \"%s\": %s (%s resolves to / inside the container)", type,
           kDestinationIsRoot, step.target.c_str());
  char where[PATH_MAX];
  if (!path_in_root(root_path, target, where))
    refuse(plan, "mount target %s resolves outside the container's root", step.target.c_str());
  ProcPlacement placement = proc_placement(where);
  // A procfs reached by any path is /proc as far as its masks go.
  if (on_procfs(target) && placement == ProcPlacement::Outside) {
    struct stat st {};
    placement = ::fstat(target, &st) == 0 && st.st_ino == 1 ? ProcPlacement::Root : ProcPlacement::Inside;
  }
  check_proc_placement(plan, step, where, placement, source_fd);
}

int open_target(const ChildPlan& plan, int root_fd, const MountStep& step) noexcept {
  if (step.real_directory) return open_real_directory(plan, root_fd, step.target.c_str(), step.fstype.c_str());
  int target = open_mount_target(root_fd, step.target.c_str(), step.bind && step.target_is_file);
  if (target < 0) fail(plan, Step::CreateMountTarget, -target, step.target.c_str());
  return target;
}

void mount_one(const ChildPlan& plan, int root_fd, const char* root_path, const MountStep& step,
               int source_fd) noexcept {
  if (step.seal_readonly) {
    int target = open_target(plan, root_fd, step);
    char path[64];
    fd_path(target, path);
    if (::mount(nullptr, path, nullptr, MS_REMOUNT | step.flags, step.data.c_str()) != 0)
      fail(plan, Step::MakeReadOnly, errno, step.target.c_str());
    ::close(target);
    return;
  }
  // The destination as written first, so that nothing is created inside /proc.
  check_proc_placement(plan, step, step.target.c_str(), proc_placement(step.target.c_str()), source_fd);
  int target = open_target(plan, root_fd, step);
  check_target(plan, root_fd, root_path, step, target, source_fd);
  char path[64], source[64];
  fd_path(target, path);
  if (source_fd >= 0) fd_path(source_fd, source);
  unsigned long first = step.bind ? (step.flags & (MS_BIND | MS_REC)) : step.flags;
  if (::mount(source_fd >= 0 ? source : step.source.c_str(), path, step.bind ? nullptr : step.fstype.c_str(), first,
              step.data.empty() ? nullptr : step.data.c_str()) != 0)
    fail(plan, Step::Mount, errno, step.target.c_str());
  ::close(target);
  if (!step.remount && !step.propagation) return;
  // The fd names the directory under the new mount; reopen to reach the mount itself.
  target = step.real_directory ? open_real_directory(plan, root_fd, step.target.c_str(), step.fstype.c_str())
                               : open_in_root(root_fd, step.target.c_str(), O_PATH);
  if (target < 0) fail(plan, Step::ReopenMountTarget, errno, step.target.c_str());
  // What a bind's path reaches now is the root of what was bound, or the
  // path no longer names this mount and the flags would go elsewhere.
  if (step.bind && !same_inode(target, source_fd))
    refuse(plan, "mount target %s moved while it was mounted; run again", step.target.c_str());
  fd_path(target, path);
  if (step.remount &&
      ::mount(nullptr, path, nullptr, MS_BIND | MS_REMOUNT | step.flags | locked_flags(path), nullptr) != 0)
    fail(plan, Step::Remount, errno, step.target.c_str());
  if (step.propagation && ::mount(nullptr, path, nullptr, step.propagation, nullptr) != 0)
    fail(plan, Step::SetMountPropagation, errno, step.target.c_str());
  ::close(target);
}

}  // namespace mini::runtime::steps
