#include "common/fs_util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

namespace mini::fsutil {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

UniqueFd::~UniqueFd() { reset(); }

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string read_fd(int fd, uint64_t max_size, const std::string& what, const std::string& too_large) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read " + what);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_size) throw Error(too_large);
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string read_file(const fs::path& path, uint64_t max_size) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path.string());
  return read_fd(fd.get(), max_size, path.string(),
                 path.string() + " is larger than " + std::to_string(max_size) + " bytes");
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void fsync_path(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path.string());
  if (::fsync(fd.get()) != 0) throw_errno("fsync " + path.string());
}

void fsync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open " + dir.string());
  if (::fsync(fd.get()) != 0) throw_errno("fsync " + dir.string());
}

void write_file_atomic(const fs::path& path, std::string_view data, unsigned mode, bool durable) {
  fs::path tmp = path;
  tmp += ".tmp-" + random_hex(6);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd) throw_errno("create " + tmp.string());
  try {
    write_all(fd.get(), data);
    if (::fchmod(fd.get(), mode) != 0) throw_errno("chmod " + tmp.string());
    if (durable && ::fsync(fd.get()) != 0) throw_errno("fsync " + tmp.string());
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("rename " + tmp.string());
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (durable) fsync_dir(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("getrandom");
    }
    got += static_cast<size_t>(n);
  }
  static const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (unsigned char c : raw) {
    hex.push_back(digits[c >> 4]);
    hex.push_back(digits[c & 15]);
  }
  return hex;
}

FileLock::FileLock(const fs::path& path, Mode mode)
    : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
  if (!fd_) throw_errno("open lock " + path.string());
  int op = mode == Mode::Exclusive ? LOCK_EX : LOCK_SH;
  while (::flock(fd_.get(), op) != 0) {
    if (errno != EINTR) throw_errno("lock " + path.string());
  }
}

}  // namespace mini::fsutil
