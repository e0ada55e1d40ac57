#pragma once
// Docker's exit codes: the command's own; 125 when mini fails before the
// command starts; 126 when it can't be executed; 127 when it is not found;
// 128+N when it was killed by signal N.
namespace mini::runtime {

constexpr int kExitRuntimeFailure = 125;
constexpr int kExitCannotExecute = 126;
constexpr int kExitNotFound = 127;

// Maps a wait(2) status to the exit code a Docker user expects.
int exit_code_from_wait_status(int wait_status);
// Maps the errno of a failed execve to 126 or 127.
int exit_code_from_exec_errno(int err);

}  // namespace mini::runtime
