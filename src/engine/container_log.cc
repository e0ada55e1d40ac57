#include "engine/container_log.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/time.h"
#include "engine/container_watch.h"
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

void read_log(Context& ctx, const store::ContainerRecord& record, std::optional<size_t> tail, bool follow,
              const std::function<void(const LogEntry&)>& out) {
  ContainerWatch watch(ctx.containers().dir(record.id));  // before the read: no write slips between
  std::ifstream in(ctx.containers().dir(record.id) / "container.log");
  std::vector<LogEntry> entries;
  std::string line;
  while (std::getline(in, line)) {
    LogEntry entry;
    if (parse_log_line(line, entry)) entries.push_back(std::move(entry));
  }
  size_t first = tail && *tail < entries.size() ? entries.size() - *tail : 0;
  for (size_t i = first; i < entries.size(); ++i) out(entries[i]);
  if (!follow) return;
  in.clear();
  std::string partial;
  for (;;) {
    ObservedContainer seen = observe(ctx, record.id);
    bool ended = !seen.record || (!seen.running() && !seen.monitored());
    while (std::getline(in, line)) {
      if (in.eof()) {  // no newline yet: the monitor is mid-write
        partial += line;
        break;
      }
      LogEntry entry;
      if (parse_log_line(partial + line, entry)) out(entry);
      partial.clear();
    }
    in.clear();
    if (ended) return;
    watch.wait(std::nullopt, {seen.process.get(), seen.monitor.get()});
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
    std::string line = format_log_line({std::move(text), stream_, now_rfc3339()});
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
