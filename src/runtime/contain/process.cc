// The process's last steps, for a container's init and for exec alike:
// limits, user, capabilities, no_new_privs, seccomp, wait for start, exec.

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

#include <sys/personality.h>

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>

#include "common/unix_socket.h"
#include "runtime/contain/steps.h"

namespace mini::runtime::steps {

void loopback_up(const ChildPlan& plan) noexcept {
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) fail(plan, Step::BringUpLoopback, errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) fail(plan, Step::BringUpLoopback, errno);
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) fail(plan, Step::BringUpLoopback, errno);
  ::close(sock);
}

// Docker creates a missing working directory instead of failing.
void make_cwd(const ChildPlan& plan) noexcept {
  char buf[PATH_MAX];
  size_t len = plan.cwd.size();
  if (len >= sizeof(buf)) fail(plan, Step::WorkingDirectory, ENAMETOOLONG);
  std::memcpy(buf, plan.cwd.c_str(), len + 1);
  for (size_t i = 1; i <= len; ++i) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char saved = buf[i];
    buf[i] = '\0';
    if (::mkdir(buf, 0755) != 0 && errno != EEXIST) fail(plan, Step::CreateWorkingDirectory, errno, plan.cwd.c_str());
    buf[i] = saved;
  }
}

void become_user(const ChildPlan& plan) noexcept {
  Step step = Step::SetCapabilities;
  // Keep the permitted set across the uid change; the sets are applied below.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail(plan, Step::KeepCapabilities, errno);
  if (int err = drop_bounding_set(plan.capabilities, &step)) fail(plan, step, err);
  // A user namespace whose creator could not map groups (a rootless one
  // without a subgid range) denies setgroups: when no group beyond the
  // primary one is asked for, the ones inherited stay, as runc --rootless
  // leaves them.
  if (::setgroups(plan.groups.size(), plan.groups.data()) != 0) {
    bool only_primary = errno == EPERM;
    for (gid_t g : plan.groups) only_primary = only_primary && g == plan.gid;
    if (!only_primary) fail(plan, Step::SetSupplementaryGroups, errno);
  }
  if (::setresgid(plan.gid, plan.gid, plan.gid) != 0) fail(plan, Step::SetGroupId, errno);
  if (::setresuid(plan.uid, plan.uid, plan.uid) != 0) fail(plan, Step::SetUserId, errno);
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) fail(plan, Step::KeepCapabilities, errno);
  if (int err = apply_capability_sets(plan.capabilities, &step)) fail(plan, step, err);
}

void write_sysctls(const ChildPlan& plan, int root_fd) noexcept {
  char path[PATH_MAX];
  for (const auto& [name, value] : plan.sysctls) {
    if (std::snprintf(path, sizeof(path), "/proc/sys/%s", name.c_str()) >= static_cast<int>(sizeof(path)))
      fail(plan, Step::WriteSysctl, ENAMETOOLONG, name.c_str());
    int fd = open_in_root(root_fd, path, O_WRONLY | O_CLOEXEC | O_TRUNC);
    if (fd < 0) fail(plan, Step::WriteSysctl, errno, path);
    if (::write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size()))
      fail(plan, Step::WriteSysctl, errno, path);
    ::close(fd);
  }
}

[[noreturn]] void exec_command(const ChildPlan& plan) noexcept {
  if (plan.umask >= 0) ::umask(static_cast<mode_t>(plan.umask));
  if (plan.personality >= 0 && ::personality(static_cast<unsigned long>(plan.personality)) < 0)
    fail(plan, Step::SetPersonality, errno);
  int err = ENOENT;
  for (const auto& candidate : plan.exec_candidates) {
    ::execve(candidate.c_str(), plan.argv.data(), plan.envp.data());
    // As execvp does: a path that exists but can't run outranks "not found".
    if (errno != ENOENT && errno != ENOTDIR) {
      if (err == ENOENT || errno != EACCES) err = errno;
    }
  }
  fail(plan, Step::Exec, err);
}

// A created container's init: tells the parent setup is done, then blocks
// opening exec.fifo for writing until start opens it for reading (runc's
// way: the fifo's existence is the "created" state).
void wait_for_start(const ChildPlan& plan) noexcept {
  if (plan.state_dir_fd < 0) return;
  report_ready(plan);
  int fifo;
  do {
    fifo = ::openat(plan.state_dir_fd, "exec.fifo", O_WRONLY | O_CLOEXEC);
  } while (fifo < 0 && errno == EINTR);
  if (fifo < 0) fail(plan, Step::WaitForStart, errno);
  if (::write(fifo, "0", 1) != 1) fail(plan, Step::WaitForStart, errno);
  ::close(fifo);
  ::close(plan.state_dir_fd);
}

// Installs the filter; with SCMP_ACT_NOTIFY rules, sends the listener to
// the parent, which hands it to the agent at listenerPath.
void install_filter(const ChildPlan& plan) noexcept {
  int listener = -1;
  if (int err = install_seccomp(plan.seccomp, &listener)) fail(plan, Step::InstallSeccompFilter, err);
  if (listener < 0) return;
  const char byte = 's';
  if (send_fd(plan.seccomp_fd, listener, &byte, 1) != 1) fail(plan, Step::SendSeccompListener, errno);
  ::close(listener);
  ::close(plan.seccomp_fd);
}

// The last steps every container process takes, for `run` and `exec`
// alike: limits, user, capabilities, wait for start, no_new_privs, seccomp, exec.
[[noreturn]] void finish_and_exec(const ChildPlan& plan) noexcept {
  // Limits, then the user and its capabilities. Without no_new_privs the
  // filter needs CAP_SYS_ADMIN, so it goes in while we still have it.
  for (const auto& limit : plan.rlimits)
    if (::setrlimit(static_cast<__rlimit_resource>(limit.resource), &limit.limit) != 0) fail(plan, Step::SetRlimit, errno);
  // A cwd reached through a leaked descriptor lies outside the root, and
  // getcwd says so; refuse rather than start there (CVE-2024-21626).
  // Checked before the filter goes in, which may deny getcwd itself.
  if (::chdir(plan.cwd.c_str()) != 0) fail(plan, Step::EnterWorkingDirectory, errno, plan.cwd.c_str());
  char cwd[PATH_MAX];
  if (::syscall(SYS_getcwd, cwd, sizeof(cwd)) < 0 || cwd[0] != '/')
    fail(plan, Step::WorkingDirectoryIsOutsideTheContainer, ENOENT, plan.cwd.c_str());
  if (!plan.no_new_privileges) install_filter(plan);
  become_user(plan);
  // Again as the user: whether it may enter the directory is the user's to be checked.
  if (::chdir(plan.cwd.c_str()) != 0) fail(plan, Step::EnterWorkingDirectory, errno, plan.cwd.c_str());
  // A uid change cleared the parent-death signal.
  if (plan.die_with_parent && ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    fail(plan, Step::SetParentDeathSignal, errno);
  // Signals as a fresh process has them, already while it waits for start,
  // so a created container can be killed.
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &plan.original_mask, nullptr);
  // A listener must reach the agent while create still runs: that filter
  // goes in before the wait.
  bool late_filter = plan.no_new_privileges && !plan.seccomp.notify;
  if (plan.no_new_privileges && !late_filter) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(plan, Step::SetNoNewPrivs, errno);
    install_filter(plan);
  }
  wait_for_start(plan);
  // The filter after the wait, as runc orders it: the wait opens a file a
  // strict profile may deny.
  if (late_filter) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(plan, Step::SetNoNewPrivs, errno);
    install_filter(plan);
  }
  exec_command(plan);
}

}  // namespace mini::runtime::steps
