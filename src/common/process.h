#pragma once
// Is a recorded process still the one we started? A pid alone can be
// reused; the pid plus its start time (in clock ticks since boot) cannot.
#include <sys/types.h>

#include <cstdint>

namespace mini {

// 0 when the process does not exist.
uint64_t process_start_time(pid_t pid);
bool process_alive(pid_t pid, uint64_t start_time);

}  // namespace mini
