#include "common/process.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "common/error.h"

namespace mini {

uint64_t process_start_time(pid_t pid) {
  if (pid <= 0) return 0;
  std::string stat;
  try {
    stat = fsutil::read_file("/proc/" + std::to_string(pid) + "/stat", 4096);
  } catch (const Error&) {
    return 0;
  }
  // The command name may hold spaces and parentheses; fields count from the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  const char* p = stat.c_str() + close + 2;
  char state = *p;
  if (state == 'Z' || state == 'X') return 0;  // a zombie has ended
  for (int field = 3; field < 22 && *p; ++field) {
    p = std::strchr(p, ' ');
    if (!p) return 0;
    ++p;
  }
  return std::strtoull(p, nullptr, 10);
}

bool process_alive(pid_t pid, uint64_t start_time) {
  uint64_t now = process_start_time(pid);
  return now != 0 && (start_time == 0 || now == start_time);
}

fsutil::UniqueFd open_pidfd(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return {};
  fsutil::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  // Checked after the open: from then on the pidfd pins that process, so a
  // match now means it is ours, whatever reuses the pid later.
  if (!pidfd || !process_alive(pid, start_time)) return {};
  return pidfd;
}

bool signal_pidfd(int pidfd, int signal) {
  return ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0) == 0;
}

bool wait_pidfd(int pidfd, std::optional<std::chrono::milliseconds> timeout) {
  using Clock = std::chrono::steady_clock;
  auto deadline = timeout ? Clock::now() + *timeout : Clock::time_point::max();
  for (;;) {
    int wait_ms = -1;
    if (timeout) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
    }
    // A pidfd turns readable when its process ends.
    pollfd ended{pidfd, POLLIN, 0};
    int ready = ::poll(&ended, 1, wait_ms);
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) throw_errno("wait for a process");
  }
}

}  // namespace mini
