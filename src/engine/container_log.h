#pragma once
// containers/<id>/container.log in Docker's json-file format, one JSON
// object per line: {"log":"hi\n","stream":"stdout","time":"<RFC 3339>"}.
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/context.h"
#include "store/container_store.h"

namespace mini::engine {

struct LogEntry {
  std::string log, stream, time;
};

// Parses one line of the log; false for a torn or foreign line.
bool parse_log_line(const std::string& line, LogEntry& entry);
std::string format_log_line(const LogEntry& entry);

// Hands `out` the container's log entries, the last `tail` of them
// (nullopt: all); with `follow`, then each one it writes until it and its
// monitor have ended, blocking in between (container_watch.h).
void read_log(Context& ctx, const store::ContainerRecord& record, std::optional<size_t> tail, bool follow,
              const std::function<void(const LogEntry&)>& out);

// Copies what the container writes on a pipe into the log, a line per
// entry, from its own thread; the destructor waits for the pipe's EOF.
class LogCopier {
 public:
  LogCopier(int pipe_read_fd, std::string stream, FILE* log, std::mutex& log_mutex);
  ~LogCopier();
  LogCopier(const LogCopier&) = delete;
  LogCopier& operator=(const LogCopier&) = delete;

 private:
  void run();
  int fd_;
  std::string stream_;
  FILE* log_;
  std::mutex& mutex_;
  std::thread thread_;
};

}  // namespace mini::engine
