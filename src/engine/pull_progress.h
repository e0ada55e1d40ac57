#pragma once
// Pull progress as `docker pull` shows it: what the registry's fetches
// report through its sink (registry/progress.h), printed. On a terminal
// every layer owns a line that is redrawn in place ("5c3b447848a9:
// Downloading [==>   ] 312.7kB/886.2kB 2.1MB/s"); elsewhere each status
// change is one plain line and byte counts are not printed. Safe to call
// from several threads.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "registry/progress.h"

namespace mini::engine {

class Progress {
 public:
  enum class Mode { Terminal, Plain, Quiet };
  Progress(std::FILE* out, Mode mode);
  // Terminal when `out` is one, else Plain; Quiet when `quiet`.
  static Mode mode_for(std::FILE* out, bool quiet);

  // A line of its own ("Digest: sha256:..."); not shown when Quiet.
  void line(const std::string& text);
  // "<id>: <status>", replacing the line of `id` on a terminal.
  void status(const std::string& id, const std::string& text);
  // Bytes received for `id`; redraws at most a few times a second.
  void bytes(const std::string& id, uint64_t current, uint64_t total);

 private:
  struct Item {
    std::string id;  // empty for a plain line
    std::string text;
    std::chrono::steady_clock::time_point started, drawn;
    uint64_t base = 0;  // bytes already there when the transfer (re)started
  };
  Item* find(const std::string& id);
  Item& item(const std::string& id);
  void draw(size_t index);

  std::FILE* out_;
  Mode mode_;
  std::mutex mutex_;
  std::vector<Item> items_;
};

// The registry's fetch events in Docker's words, on `progress`.
class DockerProgressSink final : public registry::ProgressSink {
 public:
  explicit DockerProgressSink(Progress& progress) : progress_(progress) {}
  void downloading(const std::string& id) override { progress_.status(id, "Downloading"); }
  void bytes(const std::string& id, uint64_t held, uint64_t total) override { progress_.bytes(id, held, total); }
  void retrying(const std::string& id, const std::string& reason) override {
    progress_.status(id, "Retrying: " + reason);
  }
  void verifying(const std::string& id) override { progress_.status(id, "Verifying Checksum"); }
  void downloaded(const std::string& id) override { progress_.status(id, "Download complete"); }

 private:
  Progress& progress_;
};

// Docker's decimal units: "886.2kB", "2.23MB".
std::string human_bytes(uint64_t bytes);
// The progress bar Docker draws, 50 characters wide between brackets.
std::string progress_bar(uint64_t current, uint64_t total);

}  // namespace mini::engine
