// Path resolution inside the container's root, for the child: fixed buffers and raw
// syscalls only, so a hostile rootfs can never lead a mount out of it.

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
  if (len >= sizeof(buf)) fail(plan, Step::CreateMountTarget, ENAMETOOLONG, path);
  std::memcpy(buf, path, len + 1);
  int dir = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (dir < 0) fail(plan, Step::OpenRootfs, errno);
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
      if (::mkdirat(dir, name, 0755) != 0 && errno != EEXIST) fail(plan, Step::CreateMountTarget, errno, path);
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
      fail(plan, Step::OpenMountTarget, errno, path);
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

}  // namespace mini::runtime::steps
