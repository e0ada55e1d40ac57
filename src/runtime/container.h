#pragma once
// Runs one OCI runtime-spec document to completion in the foreground.
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include "runtime/spec.h"

namespace mini::runtime {

struct StdioFds {
  int in = 0, out = 1, err = 2;
  // The user's terminal, raw while a pty is relayed (Podman's rule: even
  // when stdin is not attached, so output bytes pass untranslated); -1
  // means `in`, if that is a terminal.
  int terminal = -1;
};

struct RunOptions {
  std::string container_id;
  std::filesystem::path bundle;  // root.path is relative to this
  StdioFds stdio;
  // Called in the parent once the container's PID 1 exists (for state files).
  // May be empty.
  std::function<void(pid_t)> on_started;
  // Called in the parent after clone, once the child sits in its cgroup and
  // before it is told to go: the place to wire its network namespace
  // (/proc/<pid>/ns/net). Throwing aborts the start. May be empty.
  std::function<void(pid_t)> before_start;
};

struct RunResult {
  int exit_code = 0;    // Docker's mapping, see exit_status.h
  bool oom_killed = false;
};

// Creates the container described by `spec`, relays stdio (a pty when
// spec.process.terminal), forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/
// SIGUSR2/SIGWINCH to its PID 1, waits and tears everything down.
// Errors before the command execs are thrown as mini::Error with
// "step: reason" text; the caller turns them into exit code 125 (or 126/127
// via ExecError).
RunResult run_container(const Spec& spec, const RunOptions& options);

// `exec`: runs `process` inside the running container whose PID 1 is
// `container_pid`, in all its namespaces and cgroups, with the capabilities,
// seccomp filter and no_new_privs that `process` and `spec` name. Waits for
// it and relays stdio and signals as run_container does.
RunResult exec_in_container(const Spec& spec, pid_t container_pid, const Process& process, const StdioFds& stdio);

// Thrown when the command itself could not be executed (exit 126/127).
class ExecError : public std::runtime_error {
 public:
  ExecError(const std::string& what, int exit_code) : std::runtime_error(what), exit_code(exit_code) {}
  int exit_code;
};

}  // namespace mini::runtime
