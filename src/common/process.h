#pragma once
// Is a recorded process still the one we started? A pid alone can be
// reused; the pid plus its start time (in clock ticks since boot) cannot.
// A pidfd, once opened and checked, names that process for good: signals
// and waits go through it, never through the bare pid.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/fs_util.h"

namespace mini {

// 0 when the process does not exist or has ended (a zombie).
uint64_t process_start_time(pid_t pid);
bool process_alive(pid_t pid, uint64_t start_time);

// A pidfd for `pid`, checked after the open against `start_time` (0: any
// process with that pid), so it surely names the process we recorded;
// empty when that process is gone or has ended.
fsutil::UniqueFd open_pidfd(pid_t pid, uint64_t start_time);
// pidfd_send_signal; false with errno set on failure.
bool signal_pidfd(int pidfd, int signal);
// Blocks until the process behind `pidfd` ends, or `timeout` passes
// (nullopt: no limit); true when it ended.
bool wait_pidfd(int pidfd, std::optional<std::chrono::milliseconds> timeout);

}  // namespace mini
