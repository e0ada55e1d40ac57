#pragma once
// The one way mini, running as host root, reads or rewrites a file that an
// image or a container controls (/etc/passwd in a layer, /etc/group in a
// running container's root, a container's /etc/hosts).
//
// Such a file may be a symlink out of the root, a FIFO that blocks open(2)
// or read(2) forever, a device node whose open has side effects, or huge.
// So: resolved inside the root by the kernel (openat2 RESOLVE_IN_ROOT,
// no magic links), opened O_PATH first (which opens nothing), fstat'ed,
// and only a regular file is then reopened through its own descriptor and
// read, up to a bound.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/fs_util.h"

namespace mini {

struct ContainedRead {
  // What the error messages call the file, e.g. "the image's /etc/passwd".
  std::string shown;
  size_t max_bytes = 4 << 20;
  // Whether a symlink as the last component is followed (still inside the
  // root). Off when the caller already walked the path and expects a file.
  bool follow_last_symlink = true;
};

// `path` inside the directory `root_fd` (absolute paths and ".." stay in
// it). nullopt when nothing is there (ENOENT, ENOTDIR: the image has no such
// file). Throws mini::Error, naming `shown`, when the file is not a regular
// file, is larger than max_bytes, or the lookup fails otherwise (ELOOP,
// EXDEV for a magic link, EACCES).
std::optional<std::string> read_contained_file(int root_fd, const std::string& path, const ContainedRead& how);
// The same, with the root given as a path (opened as a directory; a missing
// root reads as nullopt).
std::optional<std::string> read_contained_file(const std::filesystem::path& root, const std::string& path,
                                               const ContainedRead& how);

// Replaces the content of the existing regular file at `path` in place (the
// inode stays, so a bind mount of it sees the change). A symlink, FIFO or
// device there is left alone: false, as for a missing file. Never blocks.
bool overwrite_regular_file(const std::filesystem::path& path, std::string_view content);

// Lower-level step shared by both: reopens the O_PATH descriptor `path_fd`
// for `flags` (O_RDONLY or O_WRONLY) once fstat shows a regular file, through
// /proc/self/fd so that exactly that inode is opened, never whatever now
// sits at its name. Throws mini::Error naming `shown` otherwise.
fsutil::UniqueFd reopen_regular(int path_fd, int flags, const std::string& shown);

}  // namespace mini
