#pragma once
// A container's life, as a runc-compatible CLI and `mini run` both need it:
//   create  -> the container is set up (namespaces, cgroup, mounts,
//              pivot_root, user, capabilities) and its init waits for start
//   start   -> init execs the process
//   state   -> the runtime-spec State
//   kill    -> a signal to init, or to every process of the container
//   delete  -> the cgroup and the state go
//   exec    -> another process in a running container
//   pause, resume -> the freezer; update -> new limits; processes -> its pids
//   run     =  create + start + wait + delete, in the foreground
// State lives in <state_root>/<id>/ (state.h). Nothing here prints; errors
// are mini::Error (ExecError when the command itself could not be run).
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/fs_util.h"
#include "runtime/cgroup/hierarchy.h"
#include "runtime/spec.h"
#include "runtime/state.h"

namespace mini::runtime {

struct StdioFds {
  int in = 0, out = 1, err = 2;
  // The user's terminal, raw while a pty is relayed (Podman's rule: even
  // when stdin is not attached, so output bytes pass untranslated); -1
  // means `in`, if that is a terminal.
  int terminal = -1;
};

enum class CgroupDriver {
  Auto,        // cgroupfs v2 on a pure cgroup2 host, else v1 (hybrid hosts keep their limits on v1)
  CgroupfsV1,
  CgroupfsV2,
  Systemd,     // cgroupsPath "slice:prefix:name"; needs systemd as PID 1
  None,        // no cgroup: no limits, no accounting
};

struct CgroupOptions {
  CgroupDriver driver = CgroupDriver::Auto;
  // Where the cgroup filesystems are mounted and where this process sits
  // in them; read from /proc/self when empty (tests inject a fake root).
  std::optional<cgroup::Hierarchy> hierarchy;
};

struct CreateOptions {
  std::string id;
  std::filesystem::path bundle;      // root.path is relative to this
  std::filesystem::path state_root;  // the container's state goes in state_root/<id>
  StdioFds stdio;
  std::optional<std::filesystem::path> pid_file;  // init's pid, written once created
  // Descriptors 3..3+preserve_fds-1 stay open in the container (runc's --preserve-fds).
  unsigned preserve_fds = 0;
  CgroupOptions cgroup;
  // Kill the container when the thread that created it exits: right for a
  // foreground run, wrong for a container that a later start runs.
  bool die_with_parent = true;
  // Called in the parent after clone, once the child sits in its cgroup and
  // before it goes on: the place to wire its network namespace
  // (/proc/<pid>/ns/net). Throwing aborts the create. May be empty.
  std::function<void(pid_t)> before_start;
};

struct Created {
  pid_t pid = 0;
  // With process.terminal: the pty's master, for the caller to relay (or to
  // pass to a console socket).
  fsutil::UniqueFd console;
};

// Runs the prestart, createRuntime and createContainer hooks on the way.
Created create(const Spec& spec, const CreateOptions& options);
// startContainer hooks, then the process; returns the poststart hooks that
// failed (warnings: the container runs on).
std::vector<std::string> start(const std::filesystem::path& state_root, const std::string& id);
State state(const std::filesystem::path& state_root, const std::string& id);
// Every container under the state root, oldest first.
std::vector<State> list(const std::filesystem::path& state_root);
// `all`: every process in the container's cgroup, not only init.
// Errors say "container not running" or "does not exist" (containerd's
// shim tells them apart by those words).
void kill(const std::filesystem::path& state_root, const std::string& id, int signal, bool all = false);
// `force`: kill a created, running or paused container instead of refusing.
// Runs the poststop hooks; returns what failed to clean up.
std::vector<std::string> delete_container(const std::filesystem::path& state_root, const std::string& id,
                                          bool force = false);
// The freezer cgroup (v1 freezer.state, v2 cgroup.freeze).
void pause(const std::filesystem::path& state_root, const std::string& id);
void resume(const std::filesystem::path& state_root, const std::string& id);
// New linux.resources for a container that is not stopped.
void update(const std::filesystem::path& state_root, const std::string& id, const nlohmann::json& resources);
// The pids in the container's cgroups, ascending.
std::vector<pid_t> processes(const std::filesystem::path& state_root, const std::string& id);

struct RunResult {
  int exit_code = 0;    // Docker's mapping, see exit_status.h
  bool oom_killed = false;
  // What could not be cleaned up, for the caller to report (the runtime
  // prints nothing itself).
  std::vector<std::string> warnings;
};

// Runs `process` in the running container `id`, waits for it and relays
// stdio and signals as run() does.
RunResult exec(const std::filesystem::path& state_root, const std::string& id, const Process& process,
               const StdioFds& stdio);

// The config.json the container was created with (its state keeps a copy).
Spec container_spec(const std::filesystem::path& state_root, const std::string& id);

struct ExecOptions {
  StdioFds stdio;
  // Return once the process runs instead of waiting for it; it is left to
  // whoever reaps this process's orphans (conmon, containerd's shim).
  bool detach = false;
  std::optional<std::filesystem::path> pid_file;
  unsigned preserve_fds = 0;
  // With process.terminal: takes the pty master (to send over a console
  // socket) instead of the relay.
  std::function<void(fsutil::UniqueFd)> on_console;
};

struct Execed {
  pid_t pid = 0;
  RunResult result;  // meaningful when not detached
};

Execed exec(const std::filesystem::path& state_root, const std::string& id, const Process& process,
            const ExecOptions& options);

struct RunOptions {
  std::string container_id;
  std::filesystem::path bundle;
  StdioFds stdio;
  // Where the container's state lives while it runs; empty: default_state_root().
  std::filesystem::path state_root;
  CgroupOptions cgroup;
  // Called in the parent once the container's process has exec'd. May be empty.
  std::function<void(pid_t)> on_started;
  // As CreateOptions::before_start.
  std::function<void(pid_t)> before_start;
  std::optional<std::filesystem::path> pid_file;
  unsigned preserve_fds = 0;
  // As ExecOptions::on_console.
  std::function<void(fsutil::UniqueFd)> on_console;
};

// create + start + wait + delete. Relays stdio (a pty when
// spec.process.terminal), forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/
// SIGUSR2/SIGWINCH to its PID 1, waits and tears everything down.
RunResult run(const Spec& spec, const RunOptions& options);

// /run/mini/runtime as root; $XDG_RUNTIME_DIR/mini/runtime for a user.
std::filesystem::path default_state_root();

// Thrown when the command itself could not be executed (exit 126/127).
class ExecError : public std::runtime_error {
 public:
  ExecError(const std::string& what, int exit_code) : std::runtime_error(what), exit_code(exit_code) {}
  int exit_code;
};

}  // namespace mini::runtime
