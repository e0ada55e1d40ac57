#include "engine/container_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "common/error.h"
#include "common/process.h"

namespace mini::engine {

ContainerWatch::ContainerWatch(const std::filesystem::path& dir)
    : inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  if (!inotify_) throw_errno("inotify_init1");
  constexpr uint32_t kChanges =
      IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF;
  // ENOENT: the container is gone already, which the caller's read sees.
  if (::inotify_add_watch(inotify_.get(), dir.c_str(), kChanges) < 0 && errno != ENOENT)
    throw_errno("watch " + dir.string());
}

bool ContainerWatch::wait(std::optional<Clock::time_point> deadline, std::initializer_list<int> pidfds) {
  std::vector<pollfd> fds{{inotify_.get(), POLLIN, 0}};
  for (int pidfd : pidfds)
    if (pidfd >= 0) fds.push_back({pidfd, POLLIN, 0});  // readable once its process ended
  for (;;) {
    int wait_ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
    }
    int ready = ::poll(fds.data(), fds.size(), wait_ms);
    if (ready == 0) return false;
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw_errno("wait for a container");
    }
    char events[4096];
    while (fds[0].revents && ::read(inotify_.get(), events, sizeof(events)) > 0) {
    }
    return true;
  }
}

ObservedContainer observe(Context& ctx, const std::string& id) {
  ObservedContainer seen;
  seen.record = ctx.containers().load(id);
  if (!seen.record) return seen;
  if (seen.record->status == "running") seen.process = open_pidfd(seen.record->pid, seen.record->pid_start_time);
  if (seen.record->monitor_pid > 0)
    seen.monitor = open_pidfd(seen.record->monitor_pid, seen.record->monitor_start_time);
  return seen;
}

}  // namespace mini::engine
