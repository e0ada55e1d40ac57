#include "common/contained_file.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

namespace mini {

namespace {

const char* kind_of(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symlink";
    default: return "not a regular file";
  }
}

std::string too_large(const std::string& shown, size_t max_bytes) {
  return shown + " is larger than " + std::to_string(max_bytes) + " bytes; mini reads at most that much of it";
}

}  // namespace

fsutil::UniqueFd reopen_regular(int path_fd, int flags, const std::string& shown) {
  struct stat st {};
  if (::fstat(path_fd, &st) != 0) throw_errno("stat " + shown);
  if (!S_ISREG(st.st_mode))
    throw Error(shown + " is " + kind_of(st.st_mode) + ", not a regular file; mini reads only regular files there");
  // The magic link names the inode itself: nothing swapped in at the path
  // since the fstat can be opened instead. O_NONBLOCK for good measure
  // (mandatory locks, leases).
  std::string self = "/proc/self/fd/" + std::to_string(path_fd);
  fsutil::UniqueFd fd(::open(self.c_str(), flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) throw_errno("open " + shown);
  struct stat again {};
  if (::fstat(fd.get(), &again) != 0) throw_errno("stat " + shown);
  if (again.st_dev != st.st_dev || again.st_ino != st.st_ino || !S_ISREG(again.st_mode))
    throw Error(shown + " changed while mini opened it; try again");
  return fd;
}

std::optional<std::string> read_contained_file(int root_fd, const std::string& path, const ContainedRead& how) {
  const std::string shown = how.shown.empty() ? path : how.shown;
  open_how open{};
  open.flags = O_PATH | O_CLOEXEC | (how.follow_last_symlink ? 0 : O_NOFOLLOW);
  open.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  fsutil::UniqueFd path_fd(static_cast<int>(::syscall(SYS_openat2, root_fd, path.c_str(), &open, sizeof open)));
  if (!path_fd) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    // RESOLVE_NO_MAGICLINKS answers ELOOP too; RESOLVE_IN_ROOT may say EXDEV.
    if (errno == ELOOP || errno == EXDEV)
      throw Error(shown + " is a symlink loop, too deep a chain of symlinks or a /proc magic link; mini follows none");
    throw_errno("open " + shown);
  }
  fsutil::UniqueFd fd = reopen_regular(path_fd.get(), O_RDONLY, shown);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + shown);
  if (static_cast<uint64_t>(st.st_size) > how.max_bytes) throw Error(too_large(shown, how.max_bytes));
  // The size can grow under a running container between fstat and the read.
  return fsutil::read_fd(fd.get(), how.max_bytes, shown, too_large(shown, how.max_bytes));
}

std::optional<std::string> read_contained_file(const std::filesystem::path& root, const std::string& path,
                                               const ContainedRead& how) {
  fsutil::UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) {
    if (errno == ENOENT) return std::nullopt;
    throw_errno("open " + root.string());
  }
  return read_contained_file(root_fd.get(), path, how);
}

bool overwrite_regular_file(const std::filesystem::path& path, std::string_view content) {
  fsutil::UniqueFd path_fd(::open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!path_fd) return false;
  fsutil::UniqueFd fd;
  try {
    fd = reopen_regular(path_fd.get(), O_WRONLY, path.string());
  } catch (const Error&) {
    return false;
  }
  if (::ftruncate(fd.get(), 0) != 0) return false;
  try {
    fsutil::write_all(fd.get(), content);
  } catch (const Error&) {
    return false;
  }
  return true;
}

}  // namespace mini
