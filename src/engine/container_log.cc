#include "engine/container_log.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "store/container_store.h"

namespace mini::engine {

bool parse_log_line(const std::string& line, LogEntry& entry) {
  try {
    auto doc = nlohmann::json::parse(line);
    entry.log = doc.at("log").get<std::string>();
    entry.stream = doc.value("stream", "stdout");
    entry.time = doc.value("time", "");
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

std::string format_log_line(const LogEntry& entry) {
  // Bytes that are not UTF-8 are replaced rather than refused: a log must
  // never stop a container.
  return nlohmann::json{{"log", entry.log}, {"stream", entry.stream}, {"time", entry.time}}.dump(
             -1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

LogCopier::LogCopier(int pipe_read_fd, std::string stream, FILE* log, std::mutex& log_mutex)
    : fd_(pipe_read_fd), stream_(std::move(stream)), log_(log), mutex_(log_mutex), thread_([this] { run(); }) {}

LogCopier::~LogCopier() {
  if (thread_.joinable()) thread_.join();
}

void LogCopier::run() {
  // Signals are for the monitor's main thread, which forwards them to the
  // container and watches for its end.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::string pending;
  char buffer[16384];
  auto emit = [&](std::string text) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string line = format_log_line({std::move(text), stream_, store::now_rfc3339()});
    std::fwrite(line.data(), 1, line.size(), log_);
    std::fflush(log_);
  };
  for (;;) {
    ssize_t n = ::read(fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t start = 0, newline;
    while ((newline = pending.find('\n', start)) != std::string::npos) {
      emit(pending.substr(start, newline + 1 - start));
      start = newline + 1;
    }
    pending.erase(0, start);
    // A line without end still reaches the log once it is long.
    if (pending.size() >= 16384) {
      emit(pending);
      pending.clear();
    }
  }
  if (!pending.empty()) emit(pending);
  ::close(fd_);
}

}  // namespace mini::engine
