#pragma once
// The one launch sequence, for a container's init and for exec alike: the
// go pipe, the close-on-exec report pipe, the console socket, clone, and
// the reaper that kills and reaps the child if the parent gives up. Then
// the foreground relay (signals, pty) both use.
#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/fs_util.h"
#include "runtime/contain/contain.h"
#include "runtime/lifecycle.h"
#include "runtime/namespaces.h"

namespace mini::runtime {

// Blocks the signals a foreground run forwards, for as long as it lives,
// and reads them from a signalfd.
class SignalMask {
 public:
  SignalMask();
  ~SignalMask();
  SignalMask(const SignalMask&) = delete;
  SignalMask& operator=(const SignalMask&) = delete;
  const sigset_t& original() const { return original_; }
  int fd() const { return fd_.get(); }

 private:
  sigset_t blocked_, original_;
  fsutil::UniqueFd fd_;
};

struct LaunchTarget {
  unsigned long clone_flags = 0;
  // Files the child writes "0" to, to join its cgroups (self_join_files).
  std::vector<std::filesystem::path> cgroup_join_files;
  // Namespaces the child joins by path, the user namespace first.
  std::vector<NamespaceJoin> joins;
  // A pid namespace the child is born in: the parent enters it for the
  // clone and goes back to its own after.
  std::optional<std::string> pid_namespace_path;
  // exec: the running container's init, and the namespaces to join through it.
  int exec_pidfd = -1;
  int exec_namespaces = 0;
  bool exec_joins_pid = false;  // the container has a pid namespace of its own
  // A new time namespace, with its clock offsets ({seconds, nanoseconds}).
  bool new_time = false;
  std::optional<std::pair<int64_t, int64_t>> monotonic_offset, boottime_offset;
};

class Launch {
 public:
  // Opens the channels, fills them into `plan`, clones; the child runs
  // contain() (or enter_container() for exec) and never returns. `plan`
  // must stay put while the child may still read it (until clone returns).
  Launch(ChildPlan& plan, const LaunchTarget& target);
  // Kills and reaps the child unless released.
  ~Launch();
  Launch(const Launch&) = delete;
  Launch& operator=(const Launch&) = delete;

  pid_t pid() const { return pid_; }
  // Lets the child go on past its cgroup and id maps (`again`: it will
  // stop once more, for hooks, and wait for a second go).
  void go(bool again = false);
  // With a terminal: the pty master the child sends.
  fsutil::UniqueFd receive_console();
  // With SCMP_ACT_NOTIFY rules: the listener the child sends once its
  // filter is in; empty when the child failed first (next_step says why).
  fsutil::UniqueFd receive_seccomp_listener();
  // The child's next report: true when it is set up and waits for start,
  // false at EOF (it exec'd). A failure is thrown as the user's error.
  bool next_report(const std::string& command);
  // As next_report, but says which stop it was: Step::Ready, Step::Hooks,
  // or Step::Exec at EOF.
  Step next_step(const std::string& command);
  // Stops closing the report pipe's read end with the launch: for a
  // created container nobody reads it again.
  void release() { pid_ = -1; }

 private:
  pid_t pid_ = -1;
  fsutil::UniqueFd go_write_, report_read_, console_parent_, seccomp_parent_;
};

// Relays signals (and the pty, with a terminal) until `pid` exits; returns
// its wait status. Reaps it.
int supervise(pid_t pid, int signal_fd, int master, const StdioFds& stdio);

// The process half of a plan, shared by run and exec.
void plan_process(ChildPlan& plan, const Process& process, const nlohmann::json& seccomp, const StdioFds& stdio);

// Writes uid_map, setgroups and gid_map of a child in a new user namespace.
void write_id_maps(pid_t pid, const Spec& spec);

}  // namespace mini::runtime
