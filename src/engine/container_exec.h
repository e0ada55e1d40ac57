#pragma once
// `mini exec`: a new process in a running container, in every namespace and
// cgroup of it, with the same capabilities, seccomp profile and
// no-new-privileges as the container's own process.
#include <string>
#include <vector>

#include "engine/context.h"

namespace mini::engine {

struct ExecRequest {
  std::string container;
  std::vector<std::string> command, env;
  std::string user, workdir;
  bool interactive = false, tty = false;
};

// Runs `command` in the container and returns its exit code; throws
// mini::Error (or runtime::ExecError) when it can't.
int exec_command(const GlobalOptions& global, const ExecRequest& request);

}  // namespace mini::engine
