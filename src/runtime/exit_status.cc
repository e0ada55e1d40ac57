#include "runtime/exit_status.h"

#include <sys/wait.h>

#include <cerrno>

namespace mini::runtime {

int exit_code_from_wait_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return kExitRuntimeFailure;
}

int exit_code_from_exec_errno(int err) {
  // Docker (and sh) say 127 only when there is nothing at the path; anything
  // that exists but cannot be run is 126.
  return err == ENOENT || err == ENOTDIR ? kExitNotFound : kExitCannotExecute;
}

}  // namespace mini::runtime
