#pragma once
// Blocking waits on a container without polling: wakes when something in
// its directory changes (state.json replaced, the exit slot or the log
// written, the directory removed) or when a process the waiter holds a
// pidfd of ends. The waiter re-reads the record after each wake and decides.
#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <optional>

#include "common/fs_util.h"
#include "engine/context.h"
#include "store/container_store.h"

namespace mini::engine {

class ContainerWatch {
 public:
  using Clock = std::chrono::steady_clock;

  // Watch first, then read the record: a change in between still wakes
  // the next wait. A directory already gone wakes nothing; the record
  // read after it says so.
  explicit ContainerWatch(const std::filesystem::path& dir);

  // Blocks until a change, the end of a process behind one of `pidfds`
  // (-1 for none), or `deadline` (nullopt: none); false on timeout. Pass
  // only pidfds of processes seen alive: an ended one wakes at once.
  bool wait(std::optional<Clock::time_point> deadline, std::initializer_list<int> pidfds = {});

 private:
  fsutil::UniqueFd inotify_;
};

// A record read together with pidfds of the processes it names, opened
// and checked against their start times: a live one's end wakes a
// ContainerWatch, and is not missed between the read and the wait.
struct ObservedContainer {
  std::optional<store::ContainerRecord> record;
  fsutil::UniqueFd process, monitor;  // empty when that process has ended

  bool running() const { return record && record->status == "running" && process; }
  bool monitored() const { return bool(monitor); }
};
ObservedContainer observe(Context& ctx, const std::string& id);

}  // namespace mini::engine
