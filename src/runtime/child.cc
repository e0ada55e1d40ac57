#include "runtime/child.h"

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

namespace mini::runtime {

namespace {

// ---- Plain helpers for the child: fixed buffers, raw syscalls. ----

[[noreturn]] void fail(const ChildPlan& plan, const char* step, int err, const char* detail = nullptr) noexcept {
  ChildReport report;
  report.err = err != 0 ? err : EIO;  // 0 marks a refusal
  size_t n = 0;
  for (const char* s = step; *s && n + 1 < sizeof(report.step); ++s) report.step[n++] = *s;
  if (detail) {
    for (const char* s = " "; *s && n + 1 < sizeof(report.step); ++s) report.step[n++] = *s;
    for (const char* s = detail; *s && n + 1 < sizeof(report.step); ++s) report.step[n++] = *s;
  }
  report.step[n] = '\0';
  ssize_t ignored = ::write(plan.report_fd, &report, sizeof(report));
  (void)ignored;
  ::_exit(125);
}

// A refusal: the whole one-line message, worded for the user.
[[noreturn]] __attribute__((format(printf, 2, 3))) void refuse(const ChildPlan& plan, const char* format,
                                                               ...) noexcept {
  ChildReport report;
  report.err = 0;
  va_list args;
  va_start(args, format);
  std::vsnprintf(report.step, sizeof(report.step), format, args);
  va_end(args);
  ssize_t ignored = ::write(plan.report_fd, &report, sizeof(report));
  (void)ignored;
  ::_exit(125);
}

int open_in_root(int root_fd, const char* path, int flags) noexcept {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  while (*path == '/') ++path;
  if (*path == '\0') path = ".";
  return static_cast<int>(::syscall(SYS_openat2, root_fd, path, &how, sizeof(how)));
}

// Opens the mount target `path` inside the root, creating missing
// directories (and the final file for file binds). Symlinks resolve inside
// the root, never out of it; a dangling one is followed by hand so its
// target is created inside the root too, as runc's MkdirAllInRoot does.
// Returns an O_PATH fd or -errno.
int open_mount_target(int root_fd, const char* path, bool file) noexcept {
  char buf[PATH_MAX], next[PATH_MAX], link[PATH_MAX];
  size_t len = std::strlen(path);
  if (len >= sizeof(buf)) return -ENAMETOOLONG;
  std::memcpy(buf, path, len + 1);
  for (int hops = 0; hops <= 40; ++hops) {
    int parent = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    if (parent < 0) return -errno;
    size_t start = 0;
    while (buf[start] == '/') ++start;
    bool restart = false;
    while (buf[start] != '\0' && !restart) {
      size_t end = start;
      while (buf[end] != '\0' && buf[end] != '/') ++end;
      bool last = true;
      for (size_t i = end; buf[i] != '\0'; ++i)
        if (buf[i] != '/') last = false;
      char saved = buf[end];
      buf[end] = '\0';
      bool want_file = last && file;
      const char* name = buf + start;
      int fd = open_in_root(root_fd, buf, O_PATH | (want_file ? 0 : O_DIRECTORY));
      if (fd < 0 && errno == ENOENT) {
        int rc;
        if (want_file) {
          rc = ::openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
          if (rc >= 0) ::close(rc);
        } else {
          rc = ::mkdirat(parent, name, 0755);
        }
        if (rc < 0 && errno == EEXIST) {
          ssize_t n = ::readlinkat(parent, name, link, sizeof(link) - 1);
          if (n > 0) {
            // A dangling symlink: continue from its target, resolved in the root.
            link[n] = '\0';
            buf[end] = saved;
            int written = link[0] == '/'
                              ? std::snprintf(next, sizeof(next), "%s/%s", link, buf + end)
                              : std::snprintf(next, sizeof(next), "/%.*s%s/%s", static_cast<int>(start), buf, link,
                                              buf + end);
            if (written < 0 || static_cast<size_t>(written) >= sizeof(next)) {
              ::close(parent);
              return -ENAMETOOLONG;
            }
            std::memcpy(buf, next, static_cast<size_t>(written) + 1);
            restart = true;
            continue;
          }
        } else if (rc < 0) {
          int err = errno;
          ::close(parent);
          return -err;
        }
        fd = open_in_root(root_fd, buf, O_PATH | (want_file ? 0 : O_DIRECTORY));
      }
      if (fd < 0) {
        int err = errno;
        ::close(parent);
        return -err;
      }
      ::close(parent);
      parent = fd;
      buf[end] = saved;
      start = end;
      while (buf[start] == '/') ++start;
    }
    if (!restart) return parent;
    ::close(parent);
  }
  return -ELOOP;
}

void fd_path(int fd, char (&out)[64]) noexcept { std::snprintf(out, sizeof(out), "/proc/self/fd/%d", fd); }

// `path` below `dir_fd` with no symlink anywhere on the way, never above it.
int open_no_symlinks(int dir_fd, const char* path, int flags) noexcept {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  while (*path == '/') ++path;
  if (*path == '\0') path = ".";
  return static_cast<int>(::syscall(SYS_openat2, dir_fd, path, &how, sizeof(how)));
}

// The target of a filesystem that must sit exactly where the spec says:
// `path` (clean, absolute) walked from the root one component at a time,
// each a real directory (created when missing), never a symlink. Anything
// else is refused, as runc refuses proc on a symlink: a mask names a path,
// and it must name what is really mounted there.
int open_real_directory(const ChildPlan& plan, int root_fd, const char* path, const char* fstype) noexcept {
  char buf[PATH_MAX];
  size_t len = std::strlen(path);
  if (len >= sizeof(buf)) fail(plan, "create mount target", ENAMETOOLONG, path);
  std::memcpy(buf, path, len + 1);
  int dir = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (dir < 0) fail(plan, "open rootfs", errno);
  size_t start = 0;
  while (buf[start] == '/') ++start;
  while (buf[start] != '\0') {
    size_t end = start;
    while (buf[end] != '\0' && buf[end] != '/') ++end;
    char saved = buf[end];
    buf[end] = '\0';
    const char* name = buf + start;
    int next = open_no_symlinks(dir, name, O_PATH | O_DIRECTORY);
    if (next < 0 && errno == ENOENT) {
      if (::mkdirat(dir, name, 0755) != 0 && errno != EEXIST) fail(plan, "create mount target", errno, path);
      next = open_no_symlinks(dir, name, O_PATH | O_DIRECTORY);
    }
    if (next < 0) {
      // buf now ends at the component in the way.
      if (errno == ELOOP)
        refuse(plan, "cannot mount %s on %s: %s is a symlink, not a directory; %s goes only on a real directory",
               fstype, path, buf, fstype);
      if (errno == ENOTDIR)
        refuse(plan, "cannot mount %s on %s: %s is not a directory; %s goes only on a real directory", fstype, path,
               buf, fstype);
      fail(plan, "open mount target", errno, path);
    }
    ::close(dir);
    dir = next;
    buf[end] = saved;
    start = end;
    while (buf[start] == '/') ++start;
  }
  return dir;
}

// Where `fd` really is, as a path inside the root: /proc/self/fd's link with
// the root's own prefix taken off. False when it is not below the root.
bool path_in_root(const char* root_path, int fd, char (&out)[PATH_MAX]) noexcept {
  char link[64];
  fd_path(fd, link);
  ssize_t n = ::readlink(link, out, sizeof(out) - 1);
  if (n <= 0) return false;
  out[n] = '\0';
  size_t prefix = std::strlen(root_path);
  if (std::strncmp(out, root_path, prefix) != 0) return false;
  if (out[prefix] == '\0') {
    out[0] = '/';
    out[1] = '\0';
    return true;
  }
  if (out[prefix] != '/') return false;
  std::memmove(out, out + prefix, static_cast<size_t>(n) - prefix + 1);
  return true;
}

bool on_procfs(int fd) noexcept {
  struct statfs fs {};
  return ::fstatfs(fd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

bool same_inode(int a, int b) noexcept {
  struct stat sa {}, sb {};
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

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

unsigned long locked_flags(const char* path) noexcept {
  struct statvfs st {};
  if (::statvfs(path, &st) != 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

int open_target(const ChildPlan& plan, int root_fd, const MountStep& step) noexcept {
  if (step.real_directory) return open_real_directory(plan, root_fd, step.target.c_str(), step.fstype.c_str());
  int target = open_mount_target(root_fd, step.target.c_str(), step.bind && step.target_is_file);
  if (target < 0) fail(plan, "create mount target", -target, step.target.c_str());
  return target;
}

void mount_one(const ChildPlan& plan, int root_fd, const char* root_path, const MountStep& step,
               int source_fd) noexcept {
  if (step.seal_readonly) {
    int target = open_target(plan, root_fd, step);
    char path[64];
    fd_path(target, path);
    if (::mount(nullptr, path, nullptr, MS_REMOUNT | step.flags, step.data.c_str()) != 0)
      fail(plan, "make read-only", errno, step.target.c_str());
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
    fail(plan, "mount", errno, step.target.c_str());
  ::close(target);
  if (!step.remount && !step.propagation) return;
  // The fd names the directory under the new mount; reopen to reach the mount itself.
  target = step.real_directory ? open_real_directory(plan, root_fd, step.target.c_str(), step.fstype.c_str())
                               : open_in_root(root_fd, step.target.c_str(), O_PATH);
  if (target < 0) fail(plan, "reopen mount target", errno, step.target.c_str());
  // What a bind's path reaches now is the root of what was bound, or the
  // path no longer names this mount and the flags would go elsewhere.
  if (step.bind && !same_inode(target, source_fd))
    refuse(plan, "mount target %s moved while it was mounted; run again", step.target.c_str());
  fd_path(target, path);
  if (step.remount &&
      ::mount(nullptr, path, nullptr, MS_BIND | MS_REMOUNT | step.flags | locked_flags(path), nullptr) != 0)
    fail(plan, "remount", errno, step.target.c_str());
  if (step.propagation && ::mount(nullptr, path, nullptr, step.propagation, nullptr) != 0)
    fail(plan, "set mount propagation", errno, step.target.c_str());
  ::close(target);
}

// mknod where we may; inside a user namespace, bind the host's node instead.
void populate_dev(const ChildPlan& plan, int root_fd) noexcept {
  int dev = open_no_symlinks(root_fd, "dev", O_PATH | O_DIRECTORY);
  if (dev < 0) fail(plan, "open /dev", errno);
  mode_t old_umask = ::umask(0);
  for (const auto& device : default_devices()) {
    if (::mknodat(dev, device.name, S_IFCHR | 0666, makedev(device.major, device.minor)) == 0) continue;
    if (errno != EPERM) fail(plan, "create device", errno, device.name);
    int file = ::openat(dev, device.name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (file < 0) fail(plan, "create device", errno, device.name);
    ::close(file);
    int target = ::openat(dev, device.name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    char host[32], path[64];
    std::snprintf(host, sizeof(host), "/dev/%s", device.name);
    fd_path(target, path);
    if (target < 0 || ::mount(host, path, nullptr, MS_BIND, nullptr) != 0) fail(plan, "bind device", errno, host);
    ::close(target);
  }
  ::umask(old_umask);
  for (const auto& [name, target] : default_dev_symlinks())
    if (::symlinkat(target, dev, name) != 0 && errno != EEXIST) fail(plan, "create /dev symlink", errno, name);
  ::close(dev);
}

void create_devices(const ChildPlan& plan, int root_fd) noexcept {
  mode_t old_umask = ::umask(0);
  for (const auto& device : plan.devices) {
    int parent = open_mount_target(root_fd, device.parent.c_str(), false);
    if (parent < 0) fail(plan, "create device directory", -parent, device.parent.c_str());
    if (::mknodat(parent, device.name.c_str(), device.mode, device.dev) != 0) {
      if (errno != EPERM) fail(plan, "create device", errno, device.path.c_str());
      int file = ::openat(parent, device.name.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
      if (file >= 0) ::close(file);
      int target = ::openat(parent, device.name.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW);
      char path[64];
      fd_path(target, path);
      if (target < 0 || ::mount(device.path.c_str(), path, nullptr, MS_BIND, nullptr) != 0)
        fail(plan, "bind device", errno, device.path.c_str());
      ::close(target);
    } else if (::fchownat(parent, device.name.c_str(), device.uid, device.gid, AT_SYMLINK_NOFOLLOW) != 0) {
      fail(plan, "chown device", errno, device.path.c_str());
    }
    ::close(parent);
  }
  ::umask(old_umask);
}

// runc's way: the pty is born inside the container's devpts, so the
// container sees /dev/pts/0; the master goes to the parent for relaying.
void make_console(const ChildPlan& plan, int root_fd) noexcept {
  int master = open_in_root(root_fd, "dev/pts/ptmx", O_RDWR | O_NOCTTY);
  if (master < 0) fail(plan, "open /dev/pts/ptmx", errno);
  int unlock = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) != 0) fail(plan, "unlock pty", errno);
  int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) fail(plan, "open pty", errno);
  // Sized before the command runs: mini's relay starts after exec, too late
  // for a first `stty size`. Without a terminal to copy from it stays 0x0.
  winsize size{};
  if (plan.window_size_fd >= 0 && ::ioctl(plan.window_size_fd, TIOCGWINSZ, &size) == 0 && size.ws_row > 0)
    ::ioctl(master, TIOCSWINSZ, &size);
  char control[CMSG_SPACE(sizeof(int))] = {};
  char byte = 'p';
  iovec iov{&byte, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
  if (::sendmsg(plan.console_fd, &msg, 0) != 1) fail(plan, "send pty to mini", errno);
  ::close(master);
  if (::ioctl(slave, TIOCSCTTY, 0) != 0) fail(plan, "set controlling terminal", errno);
  for (int fd = 0; fd < 3; ++fd)
    if (::dup2(slave, fd) < 0) fail(plan, "attach pty", errno);
  if (slave > 2) ::close(slave);
}

void pivot_into(const ChildPlan& plan, int root_fd) noexcept {
  if (::fchdir(root_fd) != 0) fail(plan, "enter rootfs", errno);
  // pivot_root(".", ".") stacks the old root on top of the new one; the
  // detach below then leaves only the container's tree.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) fail(plan, "pivot_root", errno);
  if (::umount2(".", MNT_DETACH) != 0) fail(plan, "detach old root", errno);
  if (::chdir("/") != 0) fail(plan, "chdir /", errno);
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
int open_protected_path(const ChildPlan& plan, int root_fd, const char* path, const char* what) noexcept {
  int fd = open_no_symlinks(root_fd, path, O_PATH);
  if (fd >= 0) return fd;
  if (errno == ENOENT && kernel_lacks(root_fd, path)) return -1;
  if (errno == ELOOP) refuse(plan, "cannot %s %s: a symlink is on the way to it", what, path);
  if (errno == ENOENT)
    refuse(plan, "cannot %s %s: it is missing, and what holds it is not the kernel's procfs or sysfs", what, path);
  fail(plan, what, errno, path);
}

// Masked and read-only paths, once every mount is in place and before the
// pivot: each is opened from the new root without following a symlink, and
// mounted onto through its descriptor, so a mask lands on what is really
// mounted at its path or the container is refused.
void protect_paths(const ChildPlan& plan, int root_fd) noexcept {
  char path[64];
  for (const auto& masked : plan.masked_paths) {
    int fd = open_protected_path(plan, root_fd, masked.c_str(), "mask");
    if (fd < 0) continue;
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail(plan, "mask", errno, masked.c_str());
    fd_path(fd, path);
    // The host's /dev/null: the container's own is whatever the image put there.
    int rc = S_ISDIR(st.st_mode) ? ::mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                           "size=0k")
                                 : ::mount("/dev/null", path, nullptr, MS_BIND, nullptr);
    if (rc != 0) fail(plan, "mask", errno, masked.c_str());
    ::close(fd);
  }
  for (const auto& readonly : plan.readonly_paths) {
    int fd = open_protected_path(plan, root_fd, readonly.c_str(), "make read-only");
    if (fd < 0) continue;
    fd_path(fd, path);
    if (::mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0)
      fail(plan, "make read-only", errno, readonly.c_str());
    // Reopened, the same path reaches the new bind, which is what takes ro.
    int bound = open_no_symlinks(root_fd, readonly.c_str(), O_PATH);
    if (bound < 0) fail(plan, "make read-only", errno, readonly.c_str());
    if (!same_inode(fd, bound)) refuse(plan, "cannot make %s read-only: it moved while it was mounted", readonly.c_str());
    ::close(fd);
    fd_path(bound, path);
    if (::mount(nullptr, path, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(path), nullptr) != 0)
      fail(plan, "make read-only", errno, readonly.c_str());
    ::close(bound);
  }
}

void seal_root(const ChildPlan& plan) noexcept {
  if (plan.root_readonly &&
      ::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), nullptr) != 0)
    fail(plan, "make the root read-only", errno);
}

void loopback_up(const ChildPlan& plan) noexcept {
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) fail(plan, "bring up loopback", errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) fail(plan, "bring up loopback", errno);
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) fail(plan, "bring up loopback", errno);
  ::close(sock);
}

// Docker creates a missing working directory instead of failing.
void make_cwd(const ChildPlan& plan) noexcept {
  char buf[PATH_MAX];
  size_t len = plan.cwd.size();
  if (len >= sizeof(buf)) fail(plan, "working directory", ENAMETOOLONG);
  std::memcpy(buf, plan.cwd.c_str(), len + 1);
  for (size_t i = 1; i <= len; ++i) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char saved = buf[i];
    buf[i] = '\0';
    if (::mkdir(buf, 0755) != 0 && errno != EEXIST) fail(plan, "create working directory", errno, plan.cwd.c_str());
    buf[i] = saved;
  }
}

void become_user(const ChildPlan& plan) noexcept {
  const char* step = nullptr;
  // Keep the permitted set across the uid change; the sets are applied below.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail(plan, "keep capabilities", errno);
  if (int err = drop_bounding_set(plan.capabilities, &step)) fail(plan, step, err);
  if (::setgroups(plan.groups.size(), plan.groups.data()) != 0) fail(plan, "set supplementary groups", errno);
  if (::setresgid(plan.gid, plan.gid, plan.gid) != 0) fail(plan, "set group id", errno);
  if (::setresuid(plan.uid, plan.uid, plan.uid) != 0) fail(plan, "set user id", errno);
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) fail(plan, "keep capabilities", errno);
  if (int err = apply_capability_sets(plan.capabilities, &step)) fail(plan, step, err);
}

[[noreturn]] void exec_command(const ChildPlan& plan) noexcept {
  int err = ENOENT;
  for (const auto& candidate : plan.exec_candidates) {
    ::execve(candidate.c_str(), plan.argv.data(), plan.envp.data());
    // As execvp does: a path that exists but can't run outranks "not found".
    if (errno != ENOENT && errno != ENOTDIR) {
      if (err == ENOENT || errno != EACCES) err = errno;
    }
  }
  fail(plan, "exec", err);
}

// The last steps every container process takes, for `run` and `exec`
// alike: limits, user, capabilities, no_new_privs, seccomp, exec.
[[noreturn]] void finish_and_exec(const ChildPlan& plan) noexcept {
  // Limits, then the user and its capabilities. Without no_new_privs the
  // filter needs CAP_SYS_ADMIN, so it goes in while we still have it.
  for (const auto& limit : plan.rlimits)
    if (::setrlimit(static_cast<__rlimit_resource>(limit.resource), &limit.limit) != 0) fail(plan, "set rlimit", errno);
  if (!plan.no_new_privileges)
    if (int err = install_seccomp(plan.seccomp)) fail(plan, "install seccomp filter", err);
  become_user(plan);
  if (::chdir(plan.cwd.c_str()) != 0) fail(plan, "enter working directory", errno, plan.cwd.c_str());
  // A cwd reached through a leaked descriptor lies outside the root, and
  // getcwd says so; refuse rather than start there (CVE-2024-21626).
  char cwd[PATH_MAX];
  if (::syscall(SYS_getcwd, cwd, sizeof(cwd)) < 0 || cwd[0] != '/')
    fail(plan, "working directory is outside the container:", ENOENT, plan.cwd.c_str());
  // A uid change cleared the parent-death signal.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail(plan, "set parent-death signal", errno);
  if (plan.no_new_privileges) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(plan, "set no_new_privs", errno);
    if (int err = install_seccomp(plan.seccomp)) fail(plan, "install seccomp filter", err);
  }
  // Signals as a fresh process has them, then exec.
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &plan.original_mask, nullptr);
  exec_command(plan);
}

// The descriptors come from the parent; the kernel checks its credentials.
void join_cgroups(const ChildPlan& plan) noexcept {
  for (int fd : plan.cgroup_join_fds)
    if (::write(fd, "0", 1) != 1) fail(plan, "join the container's cgroup", errno);
}

}  // namespace

void finalize_exec_arrays(ChildPlan& plan) {
  plan.argv.clear();
  for (auto& arg : plan.args) plan.argv.push_back(arg.data());
  plan.argv.push_back(nullptr);
  plan.envp.clear();
  for (auto& entry : plan.env) plan.envp.push_back(entry.data());
  plan.envp.push_back(nullptr);
}

std::vector<std::string> exec_candidates(const std::string& command, const std::vector<std::string>& env) {
  if (command.find('/') != std::string::npos) return {command};
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& entry : env)
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  std::vector<std::string> candidates;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    candidates.push_back((dir.empty() ? std::string(".") : dir) + "/" + command);
    start = end + 1;
  }
  return candidates;
}

int rlimit_resource(const std::string& name) {
  static const std::map<std::string, int> resources = {
      {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_CPU", RLIMIT_CPU},
      {"RLIMIT_DATA", RLIMIT_DATA},     {"RLIMIT_FSIZE", RLIMIT_FSIZE},       {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_STACK", RLIMIT_STACK},
  };
  auto it = resources.find(name);
  if (it == resources.end()) throw Error("config.json: unknown rlimit " + name);
  return it->second;
}

// The container's birth, top to bottom. Every step either succeeds or
// reports itself and exits; nothing here allocates.
void contain(ChildPlan& plan) noexcept {
  // 1. Die with mini, join the container's cgroups, and only go on once the
  //    parent has set up the id maps (and the cgroup, if it moves us).
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail(plan, "set parent-death signal", errno);
  // Until exec this process is mini's image: not dumpable, so nothing in the
  // container can open /proc/<pid>/exe and rewrite mini (CVE-2019-5736).
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail(plan, "make the runtime undumpable", errno);
  join_cgroups(plan);
  char go = 0;
  if (::read(plan.go_fd, &go, 1) != 1) ::_exit(125);  // the parent is gone or gave up
  ::close(plan.go_fd);
  // 2. The cgroup namespace, now that we are in the cgroup.
  if (plan.new_cgroup && ::unshare(CLONE_NEWCGROUP) != 0) fail(plan, "create cgroup namespace", errno);
  if (::setsid() < 0) fail(plan, "start a session", errno);
  if (!plan.terminal) {
    if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 || ::dup2(plan.stderr_fd, 2) < 0)
      fail(plan, "attach stdio", errno);
  }
  // No descriptor of mini's may reach the container (CVE-2024-21626).
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) fail(plan, "close inherited descriptors", errno);
  // 3. Nothing we mount may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail(plan, "make mounts private", errno);
  // 4. The rootfs becomes a mount point of its own, then every spec mount
  //    lands inside it, resolved without leaving it.
  if (::mount(plan.rootfs.c_str(), plan.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    fail(plan, "bind rootfs", errno, plan.rootfs.c_str());
  int root_fd = ::open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) fail(plan, "open rootfs", errno, plan.rootfs.c_str());
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    if (!plan.mounts[i].bind) continue;
    plan.source_fds[i] = ::open(plan.mounts[i].source.c_str(), O_PATH | O_CLOEXEC);
    if (plan.source_fds[i] < 0) fail(plan, "open bind source", errno, plan.mounts[i].source.c_str());
  }
  if (plan.new_user) {
    // The namespace's root from here on: files created for mount targets
    // need an owner the namespace can map.
    if (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0) fail(plan, "become root in the user namespace", errno);
  }
  // Where the root really is, to tell where each target resolved to.
  char root_path[PATH_MAX];
  {
    char link[64];
    fd_path(root_fd, link);
    ssize_t n = ::readlink(link, root_path, sizeof(root_path) - 1);
    if (n <= 0) fail(plan, "open rootfs", n < 0 ? errno : ENOENT, plan.rootfs.c_str());
    root_path[n] = '\0';
  }
  for (size_t i = 0; i < plan.mounts.size(); ++i)
    mount_one(plan, root_fd, root_path, plan.mounts[i], plan.source_fds[i]);
  // 5. /dev: the standard devices and symlinks, and the console.
  if (plan.populate_dev) populate_dev(plan, root_fd);
  create_devices(plan, root_fd);
  if (plan.terminal) make_console(plan, root_fd);
  // 6. Masked and read-only paths, on what is now really mounted.
  protect_paths(plan, root_fd);
  // 7. pivot_root and drop the host's tree; then the read-only root.
  pivot_into(plan, root_fd);
  ::close(root_fd);
  make_cwd(plan);
  seal_root(plan);
  // 8. Host name and loopback.
  if (plan.new_uts && !plan.hostname.empty() && ::sethostname(plan.hostname.c_str(), plan.hostname.size()) != 0)
    fail(plan, "set hostname", errno);
  if (plan.new_net) loopback_up(plan);
  // 9. Limits, user, capabilities, seccomp; 10. exec.
  finish_and_exec(plan);
}

// `exec`: a new process in a running container's namespaces, which the
// parent names with a pidfd; the pid namespace was entered by the parent.
void enter_container(ChildPlan& plan, int pidfd, int namespaces) noexcept {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail(plan, "set parent-death signal", errno);
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail(plan, "make the runtime undumpable", errno);
  join_cgroups(plan);
  char go = 0;
  if (::read(plan.go_fd, &go, 1) != 1) ::_exit(125);
  ::close(plan.go_fd);
  // All at once through the pidfd: the user namespace first, as the kernel requires, then the rest.
  if (::setns(pidfd, namespaces) != 0) fail(plan, "join the container's namespaces", errno);
  ::close(pidfd);
  if (::setsid() < 0) fail(plan, "start a session", errno);
  if (plan.terminal) {
    int root_fd = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) fail(plan, "open the container's root", errno);
    make_console(plan, root_fd);
    ::close(root_fd);
  } else if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 || ::dup2(plan.stderr_fd, 2) < 0) {
    fail(plan, "attach stdio", errno);
  }
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) fail(plan, "close inherited descriptors", errno);
  finish_and_exec(plan);
}

}  // namespace mini::runtime
