#pragma once
// Small file helpers shared by every module. All of them throw mini::Error.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mini::fsutil {

namespace fs = std::filesystem;

// Owns a file descriptor; closes it once.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  int release() { int fd = fd_; fd_ = -1; return fd; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

std::string read_file(const fs::path& path, uint64_t max_size = 64ull << 20);
// Reads `fd` to its end; past `max_size` bytes throws mini::Error(`too_large`).
std::string read_fd(int fd, uint64_t max_size, const std::string& what, const std::string& too_large);
void write_all(int fd, std::string_view data);
void fsync_path(const fs::path& path);
void fsync_dir(const fs::path& dir);
// Writes to a temp file beside `path`, fsyncs it, renames over `path`, fsyncs
// the directory: readers see the old or the new content, never a mix.
// `durable = false` keeps the atomic rename but skips both fsyncs, for files
// that need not survive a power failure (an --rm container's own files):
// each fsync costs milliseconds on the start path.
void write_file_atomic(const fs::path& path, std::string_view data, unsigned mode = 0644, bool durable = true);
// A fresh random hex string, for ingest names and container IDs.
std::string random_hex(size_t bytes);

// flock(2) held for this object's lifetime. Used for images.json and layer
// creation so concurrent mini processes serialize instead of racing.
class FileLock {
 public:
  enum class Mode { Shared, Exclusive };
  FileLock(const fs::path& path, Mode mode = Mode::Exclusive);
  FileLock(FileLock&&) = default;

 private:
  UniqueFd fd_;
};

}  // namespace mini::fsutil
