#pragma once
// OCI hooks (config.json "hooks"): programs the runtime runs at fixed points
// of a container's life, each with the container's State JSON on stdin.
// Run in order; a hook that fails (non-zero exit, a signal, its timeout)
// stops the ones after it and is thrown as mini::Error naming it.
#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/spec.h"

namespace mini::runtime {

struct HookContext {
  const char* kind;        // "prestart", "poststop", ... for the error message
  std::string state_json;  // written to each hook's stdin
  // createContainer and startContainer run in the container's namespaces:
  // those of this process (its init), entered before exec. 0: the runtime's.
  pid_t enter_namespaces_of = 0;
};

void run_hooks(const std::vector<Hook>& hooks, const HookContext& context);

// As run_hooks, but every hook runs and failures are returned, not thrown
// (poststop: the container is gone either way, and what is left is cleanup).
std::vector<std::string> run_hooks_collecting(const std::vector<Hook>& hooks, const HookContext& context);

}  // namespace mini::runtime
