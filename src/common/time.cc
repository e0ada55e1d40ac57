#include "common/time.h"

#include <cstdio>
#include <ctime>

namespace mini {

std::string now_rfc3339() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::tm utc{};
  ::gmtime_r(&now.tv_sec, &utc);
  char seconds[64];
  std::strftime(seconds, sizeof(seconds), "%Y-%m-%dT%H:%M:%S", &utc);
  char out[96];
  std::snprintf(out, sizeof(out), "%s.%09ldZ", seconds, static_cast<long>(now.tv_nsec));
  return out;
}

}  // namespace mini
