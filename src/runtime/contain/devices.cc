// /dev: the standard nodes and symlinks, the spec's devices, the console.

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
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
#include <map>

#include "common/unix_socket.h"
#include "common/error.h"
#include "runtime/mount_rules.h"
#include "runtime/contain/steps.h"

namespace mini::runtime::steps {

// mknod where we may; inside a user namespace, bind the host's node instead.
void populate_dev(const ChildPlan& plan, int root_fd) noexcept {
  int dev = open_no_symlinks(root_fd, "dev", O_PATH | O_DIRECTORY);
  if (dev < 0) fail(plan, Step::OpenDev, errno);
  mode_t old_umask = ::umask(0);
  for (const auto& device : default_devices()) {
    if (::mknodat(dev, device.name, S_IFCHR | 0666, makedev(device.major, device.minor)) == 0) continue;
    if (errno != EPERM) fail(plan, Step::CreateDevice, errno, device.name);
    int file = ::openat(dev, device.name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (file < 0) fail(plan, Step::CreateDevice, errno, device.name);
    ::close(file);
    int target = ::openat(dev, device.name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    char host[32], path[64];
    std::snprintf(host, sizeof(host), "/dev/%s", device.name);
    fd_path(target, path);
    if (target < 0 || ::mount(host, path, nullptr, MS_BIND, nullptr) != 0) fail(plan, Step::BindDevice, errno, host);
    ::close(target);
  }
  ::umask(old_umask);
  for (const auto& [name, target] : default_dev_symlinks())
    if (::symlinkat(target, dev, name) != 0 && errno != EEXIST) fail(plan, Step::CreateDevSymlink, errno, name);
  ::close(dev);
}

void create_devices(const ChildPlan& plan, int root_fd) noexcept {
  mode_t old_umask = ::umask(0);
  for (const auto& device : plan.devices) {
    int parent = open_mount_target(root_fd, device.parent.c_str(), false);
    if (parent < 0) fail(plan, Step::CreateDeviceDirectory, -parent, device.parent.c_str());
    if (::mknodat(parent, device.name.c_str(), device.mode, device.dev) != 0) {
      if (errno != EPERM) fail(plan, Step::CreateDevice, errno, device.path.c_str());
      int file = ::openat(parent, device.name.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
      if (file >= 0) ::close(file);
      int target = ::openat(parent, device.name.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW);
      char path[64];
      fd_path(target, path);
      if (target < 0 || ::mount(device.path.c_str(), path, nullptr, MS_BIND, nullptr) != 0)
        fail(plan, Step::BindDevice, errno, device.path.c_str());
      ::close(target);
    } else if (::fchownat(parent, device.name.c_str(), device.uid, device.gid, AT_SYMLINK_NOFOLLOW) != 0) {
      fail(plan, Step::ChownDevice, errno, device.path.c_str());
    }
    ::close(parent);
  }
  ::umask(old_umask);
}

// runc's way: the pty is born inside the container's devpts, so the
// container sees /dev/pts/0; the master goes to the parent for relaying.
void make_console(const ChildPlan& plan, int root_fd) noexcept {
  int master = open_in_root(root_fd, "dev/pts/ptmx", O_RDWR | O_NOCTTY);
  if (master < 0) fail(plan, Step::OpenPtmx, errno);
  int unlock = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) != 0) fail(plan, Step::UnlockPty, errno);
  int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) fail(plan, Step::OpenPty, errno);
  // Sized before the command runs: mini's relay starts after exec, too late
  // for a first `stty size`. Without a terminal to copy from it stays 0x0.
  winsize size{};
  if (plan.window_size_fd >= 0 && ::ioctl(plan.window_size_fd, TIOCGWINSZ, &size) == 0 && size.ws_row > 0)
    ::ioctl(master, TIOCSWINSZ, &size);
  const char byte = 'p';
  if (send_fd(plan.console_fd, master, &byte, 1) != 1) fail(plan, Step::SendPty, errno);
  ::close(master);
  if (::ioctl(slave, TIOCSCTTY, 0) != 0) fail(plan, Step::SetControllingTerminal, errno);
  for (int fd = 0; fd < 3; ++fd)
    if (::dup2(slave, fd) < 0) fail(plan, Step::AttachPty, errno);
  if (slave > 2) ::close(slave);
}

}  // namespace mini::runtime::steps
