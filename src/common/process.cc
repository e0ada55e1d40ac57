#include "common/process.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "common/error.h"
#include "common/fs_util.h"

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

}  // namespace mini
