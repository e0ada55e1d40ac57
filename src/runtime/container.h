#pragma once
// The foreground entry points the mini CLI uses, as thin wrappers over the
// lifecycle (lifecycle.h).
#include "runtime/lifecycle.h"

namespace mini::runtime {

// run(): errors before the command execs are thrown as mini::Error with
// "step: reason" text; the caller turns them into exit code 125 (or 126/127
// via ExecError).
RunResult run_container(const Spec& spec, const RunOptions& options);

// `exec`: runs `process` inside the running container whose PID 1 is
// `container_pid`, in all its namespaces and cgroups, with the capabilities,
// seccomp filter and no_new_privs that `process` and `spec` name. Waits for
// it and relays stdio and signals as run_container does.
RunResult exec_in_container(const Spec& spec, pid_t container_pid, const Process& process, const StdioFds& stdio);

}  // namespace mini::runtime
