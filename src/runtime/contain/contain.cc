// The container's birth, read top to bottom (as nsjail's containProc). Each
// step lives in a file of its own here (steps.h lists them).
#include "runtime/contain/contain.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "runtime/contain/steps.h"

namespace mini::runtime {

using namespace steps;

namespace {

// Both births start the same way: die with the runtime (when asked), be
// undumpable, join the cgroup and wait until the parent says go.
void begin(const ChildPlan& plan) noexcept {
  if (plan.lock_fd >= 0) ::close(plan.lock_fd);
  if (plan.die_with_parent && ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    fail(plan, Step::SetParentDeathSignal, errno);
  // Until exec this process is the runtime's image: not dumpable, so nothing
  // in the container can open /proc/<pid>/exe and rewrite it (CVE-2019-5736).
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail(plan, Step::MakeTheRuntimeUndumpable, errno);
  join_cgroups(plan);
  char go = 0;
  if (::read(plan.go_fd, &go, 1) != 1) ::_exit(125);  // the parent is gone or gave up
  if (!plan.hook_sync) ::close(plan.go_fd);
}

void attach_stdio(const ChildPlan& plan) noexcept {
  if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 || ::dup2(plan.stderr_fd, 2) < 0)
    fail(plan, Step::AttachStdio, errno);
}

// No descriptor of the runtime's may reach the container (CVE-2024-21626).
void close_inherited(const ChildPlan& plan) noexcept {
  if (::syscall(SYS_close_range, 3U + plan.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
    fail(plan, Step::CloseInheritedDescriptors, errno);
}

}  // namespace

void contain(ChildPlan& plan) noexcept {
  // 1. In the cgroup, with the id maps written, by the parent's go.
  begin(plan);
  // 2. Namespaces named by path, then the cgroup namespace now that we are
  //    in the cgroup.
  join_namespaces(plan);
  if (plan.new_cgroup && ::unshare(CLONE_NEWCGROUP) != 0) fail(plan, Step::CreateCgroupNamespace, errno);
  if (::setsid() < 0) fail(plan, Step::StartASession, errno);
  if (!plan.terminal) attach_stdio(plan);
  close_inherited(plan);
  // 3. Nothing we mount may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail(plan, Step::MakeMountsPrivate, errno);
  // 4. The rootfs becomes a mount point of its own, then every spec mount
  //    lands inside it, resolved without leaving it.
  if (::mount(plan.rootfs.c_str(), plan.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    fail(plan, Step::BindRootfs, errno, plan.rootfs.c_str());
  int root_fd = ::open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) fail(plan, Step::OpenRootfs, errno, plan.rootfs.c_str());
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    if (!plan.mounts[i].bind) continue;
    plan.source_fds[i] = ::open(plan.mounts[i].source.c_str(), O_PATH | O_CLOEXEC);
    if (plan.source_fds[i] < 0) fail(plan, Step::OpenBindSource, errno, plan.mounts[i].source.c_str());
  }
  if (plan.new_user) {
    // The namespace's root from here on: files created for mount targets
    // need an owner the namespace can map.
    if (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0) fail(plan, Step::BecomeRootInTheUserNamespace, errno);
  }
  // Where the root really is, to tell where each target resolved to.
  char root_path[PATH_MAX];
  {
    char link[64];
    fd_path(root_fd, link);
    ssize_t n = ::readlink(link, root_path, sizeof(root_path) - 1);
    if (n <= 0) fail(plan, Step::OpenRootfs, n < 0 ? errno : ENOENT, plan.rootfs.c_str());
    root_path[n] = '\0';
  }
  for (size_t i = 0; i < plan.mounts.size(); ++i)
    mount_one(plan, root_fd, root_path, plan.mounts[i], plan.source_fds[i]);
  // 5. /dev: the standard devices and symlinks, and the console.
  if (plan.populate_dev) populate_dev(plan, root_fd);
  create_devices(plan, root_fd);
  if (plan.terminal) make_console(plan, root_fd);
  // 6. Sysctls while /proc/sys is still writable; then masked and read-only
  //    paths, on what is now really mounted.
  write_sysctls(plan, root_fd);
  protect_paths(plan, root_fd);
  // The parent's hooks see the container's mounts before pivot_root, as
  // the runtime-spec orders them.
  if (plan.hook_sync) {
    report_hooks(plan);
    char go = 0;
    if (::read(plan.go_fd, &go, 1) != 1) ::_exit(125);
    ::close(plan.go_fd);
  }
  // 7. pivot_root and drop the host's tree; then the read-only root.
  pivot_into(plan, root_fd);
  ::close(root_fd);
  if (plan.rootfs_propagation && ::mount(nullptr, "/", nullptr, plan.rootfs_propagation, nullptr) != 0)
    fail(plan, Step::SetRootfsPropagation, errno);
  make_cwd(plan);
  seal_root(plan);
  // 8. Host name and loopback.
  if (plan.new_uts && !plan.hostname.empty() && ::sethostname(plan.hostname.c_str(), plan.hostname.size()) != 0)
    fail(plan, Step::SetHostname, errno);
  if (plan.new_uts && !plan.domainname.empty() &&
      ::setdomainname(plan.domainname.c_str(), plan.domainname.size()) != 0)
    fail(plan, Step::SetDomainname, errno);
  if (plan.new_net) loopback_up(plan);
  // 9. Limits, user, capabilities, seccomp, wait for start; 10. exec.
  finish_and_exec(plan);
}

// `exec`: a new process in a running container's namespaces, which the
// parent names with a pidfd; the pid namespace was entered by the parent.
void enter_container(ChildPlan& plan, int pidfd, int namespaces) noexcept {
  begin(plan);
  // All at once through the pidfd: the user namespace first, as the kernel requires, then the rest.
  if (::setns(pidfd, namespaces) != 0) fail(plan, Step::JoinTheContainersNamespaces, errno);
  ::close(pidfd);
  if (::setsid() < 0) fail(plan, Step::StartASession, errno);
  if (plan.terminal) {
    int root_fd = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) fail(plan, Step::OpenTheContainersRoot, errno);
    make_console(plan, root_fd);
    ::close(root_fd);
  } else {
    attach_stdio(plan);
  }
  close_inherited(plan);
  finish_and_exec(plan);
}

}  // namespace mini::runtime
