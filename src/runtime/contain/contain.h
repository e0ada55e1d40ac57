#pragma once
// The container's side of clone(): everything it needs, decided before
// clone as plain values, and the one ordered function that turns the cloned
// process into the container (contain.cc; its steps are the other files
// here). After clone there is no allocation and no exception: a failing step
// writes a ChildReport (report.h) to a close-on-exec pipe and exits, and the
// parent turns it into the user's error message.
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/capabilities.h"
#include "runtime/contain/report.h"
#include "runtime/mount_plan.h"
#include "runtime/seccomp.h"

namespace mini::runtime {

// A linux.devices node: created with mknod, or bound from the same path on
// the host where mknod is not allowed (a user namespace).
struct ChildDevice {
  std::string parent, name, path;  // parent dir and name inside the root; path on the host
  mode_t mode;
  dev_t dev;
  uid_t uid;
  gid_t gid;
};

struct ChildRlimit {
  int resource;
  rlimit limit;
};

struct ChildPlan {
  std::string rootfs;  // host path of the prepared root filesystem
  std::vector<MountStep> mounts;
  // One slot per mount: the child opens each bind source while it still has
  // the host's identity (a remapped root could not reach a 0700 store), then
  // mounts from /proc/self/fd. Sized by the parent; -1 where unused.
  std::vector<int> source_fds;
  bool populate_dev = false;  // the spec put a tmpfs on /dev: add the standard devices
  std::vector<ChildDevice> devices;
  std::vector<std::string> masked_paths, readonly_paths;
  bool root_readonly = false;
  std::string hostname, domainname;
  // linux.sysctl as paths under /proc/sys ("net/ipv4/ip_forward") and values.
  std::vector<std::pair<std::string, std::string>> sysctls;
  unsigned long rootfs_propagation = 0;  // MS_SHARED|MS_REC, ...; 0: leave the root private
  long personality = -1;                 // -1: the runtime's own
  int umask = -1;                        // -1: the runtime's own
  // Stop before pivot_root for the parent's hooks (report_hooks, then go again).
  bool hook_sync = false;
  bool new_user = false, new_uts = false, new_net = false, new_cgroup = false;
  // Namespaces joined by path: descriptors the parent opened before clone,
  // with their CLONE_NEW* flag, the user namespace first.
  std::vector<std::pair<int, int>> join_fds;
  // The parent-death signal: a foreground run dies with its runtime; a
  // container created for a later start outlives the process that created it.
  bool die_with_parent = true;
  std::vector<ChildRlimit> rlimits;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  CapabilitySets capabilities;
  bool no_new_privileges = false;
  SeccompProgram seccomp;
  std::string cwd = "/";
  // execve arguments: args and env as C arrays, and where to look for the
  // command (every $PATH candidate, already joined).
  std::vector<std::string> args, env, exec_candidates;
  std::vector<char*> argv, envp;
  bool terminal = false;
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;
  // Pipes and sockets to the parent.
  // Opened by the parent: the child writes "0" to each to join its cgroups
  // (cgroup::Manager::self_join_files); empty when the parent moves it.
  std::vector<int> cgroup_join_fds;
  int go_fd = -1;          // read end: the parent writes one byte when the cgroup and maps are ready
  int report_fd = -1;      // write end, close-on-exec: EOF at the parent means exec happened
  int console_fd = -1;     // socket: the pty master goes to the parent through it
  int seccomp_fd = -1;     // socket: the seccomp listener goes to the parent (SCMP_ACT_NOTIFY)
  int window_size_fd = -1;  // the user's terminal: the pty has its size before the command starts
  // The container's state directory (lifecycle create): init reports Ready,
  // then waits there on exec.fifo until start opens it. -1: exec at once.
  int state_dir_fd = -1;
  // The parent's flock on that directory: clone shares it, so the child
  // drops its copy at once, or start could never take the lock.
  int lock_fd = -1;
  // Descriptors 3..3+preserve_fds-1 reach the command.
  unsigned preserve_fds = 0;
  sigset_t original_mask;  // restored right before exec
};

// Fills argv/envp from args/env; call after the vectors stop changing.
void finalize_exec_arrays(ChildPlan& plan);
// Every path execve should try for args[0], searching the PATH in `env`.
std::vector<std::string> exec_candidates(const std::string& command, const std::vector<std::string>& env);
// "RLIMIT_NOFILE" -> RLIMIT_NOFILE; throws mini::Error for unknown names.
int rlimit_resource(const std::string& name);

[[noreturn]] void contain(ChildPlan& plan) noexcept;
// For exec: joins the namespaces in `namespaces` (CLONE_NEW* flags) of the
// process behind `pidfd`, then the same final steps as contain().
[[noreturn]] void enter_container(ChildPlan& plan, int pidfd, int namespaces) noexcept;

}  // namespace mini::runtime
