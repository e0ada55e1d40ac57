#include "store/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "common/text.h"
#include "store/decompress.h"
#include "store/digest.h"
#include "store/fs_tree.h"
#include "store/layer_limits.h"
#include "store/overlay_format.h"

namespace mini::store {

namespace {

using fsutil::UniqueFd;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// A name from the archive as messages show it: control characters and
// bytes that are not UTF-8 escaped, so a hostile name can neither break the
// one-line error nor send escape sequences to the user's terminal; cut
// short when longer than anyone wants to read.
std::string printable(std::string_view raw) {
  constexpr size_t kMax = 200;
  static const char* hex = "0123456789abcdef";
  std::string out;
  auto escape = [&](unsigned char c) {
    out += "\\x";
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  };
  for (size_t i = 0; i < raw.size() && out.size() < kMax;) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool valid = len > 0 && i + len <= raw.size();
    for (size_t k = 1; valid && k < len; ++k) valid = (static_cast<unsigned char>(raw[i + k]) & 0xc0) == 0x80;
    // U+0080..U+009F (C2 80..C2 9F) are C1 control characters.
    if (valid && len == 2 && c == 0xc2 && static_cast<unsigned char>(raw[i + 1]) < 0xa0) valid = false;
    if (valid) {
      out.append(raw.substr(i, len));
      i += len;
    } else {
      escape(c);
      ++i;
    }
  }
  if (out.size() >= kMax) out += "...";
  return out;
}

std::string join(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += (i ? "/" : "") + parts[i];
  return out;
}

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

// The decompressed stream: the tar reader pulls it from the decompressing
// reader through this callback, which hashes every byte on the way.
struct Stream {
  DecompressedStream* source = nullptr;
  Sha256 hash;
  bool eof = false;
  std::string error;
};

la_ssize_t stream_read(archive* /*inner*/, void* client, const void** out) {
  auto* s = static_cast<Stream*>(client);
  if (s->eof) return 0;
  try {
    std::string_view block = s->source->next();
    if (block.empty()) {
      s->eof = true;
      return 0;
    }
    s->hash.update(block.data(), block.size());
    *out = block.data();
    return static_cast<la_ssize_t>(block.size());
  } catch (const std::exception& e) {
    s->error = e.what();  // no exception may cross libarchive's C frames
    return ARCHIVE_FATAL;
  }
}

const char* entry_path(archive_entry* e) {
  const char* p = archive_entry_pathname(e);
  return p ? p : archive_entry_pathname_utf8(e);
}
const char* entry_symlink(archive_entry* e) {
  const char* p = archive_entry_symlink(e);
  return p ? p : archive_entry_symlink_utf8(e);
}
const char* entry_hardlink(archive_entry* e) {
  const char* p = archive_entry_hardlink(e);
  return p ? p : archive_entry_hardlink_utf8(e);
}

class Unpacker {
 public:
  // `stream_error` explains a failed read when decompression was the cause.
  Unpacker(const fs::path& dest, const UnpackOptions& options, const std::string* stream_error)
      : dest_(dest), options_(options), stream_error_(stream_error) {
    root_.reset(::open(dest.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_) throw_errno("open " + dest.string());
    // What the filesystem has room for now; a layer that would take more
    // is refused before it fills the disk (concurrent writers aside).
    struct statvfs vfs {};
    if (::fstatvfs(root_.get(), &vfs) == 0) {
      free_bytes_ = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
      if (vfs.f_files != 0) free_inodes_ = vfs.f_favail;  // 0 files: the filesystem doesn't count inodes
    }
  }

  void entry(archive* a, archive_entry* e);
  void finish();
  uint64_t bytes() const { return bytes_; }

 private:
  struct DirFixup {
    std::vector<std::string> path;
    mode_t mode;
    timespec times[2];
  };

  std::vector<std::string> split(const std::string& raw, const std::string& shown) const;
  UniqueFd open_dir(const std::vector<std::string>& parts, size_t count, bool create, const std::string& shown);
  UniqueFd resolve_in_root(const std::vector<std::string>& parts, size_t count, const std::string& shown);
  void whiteout(int parent, const std::string& name, const std::string& dir, const std::string& shown);
  void directory(int parent, const std::string& name, const std::vector<std::string>& parts, archive_entry* e);
  void regular(archive* a, int parent, const std::string& name, archive_entry* e, const std::string& shown);
  void hardlink(int parent, const std::string& name, const std::vector<std::string>& parts, archive_entry* e,
                const std::string& shown);
  void set_xattrs(archive_entry* e, int fd, int parent, const std::string& name);
  static void times_of(archive_entry* e, timespec times[2]);
  // Counts `bytes` more of the layer's unpacked size against the limit and
  // the free space, throwing once either is exceeded.
  void charge(uint64_t bytes, const std::string& shown);

  fs::path dest_;
  UnpackOptions options_;
  const std::string* stream_error_;
  UniqueFd root_;
  uint64_t bytes_ = 0;    // content actually written
  uint64_t charged_ = 0;  // declared sizes, sparse holes included
  uint64_t entries_ = 0;
  uint64_t free_bytes_ = UINT64_MAX, free_inodes_ = UINT64_MAX;
  std::map<std::string, DirFixup> dirs_;
  std::string parent_key_;  // the directory parent_fd_ holds, relative to dest
  UniqueFd parent_fd_;
  bool have_openat2_ = true;
};

std::vector<std::string> Unpacker::split(const std::string& raw, const std::string& shown) const {
  std::vector<std::string> parts;
  for (auto& part : mini::split(raw, '/')) {
    if (part == "..")
      throw Error("layer entry " + shown + " escapes the layer directory; the layer is not safe to use");
    if (part.size() > NAME_MAX)
      throw Error("layer entry " + shown + " has a name longer than the " + std::to_string(NAME_MAX) +
                  " bytes Linux allows; the layer can't be unpacked");
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
  }
  // As Docker, whose unpacking works with whole paths: a path Linux can't
  // open in one go is refused, and that bounds how deep a layer nests.
  if (join(parts, parts.size()).size() >= PATH_MAX)
    throw Error("layer entry " + shown + " has a path longer than the " + std::to_string(PATH_MAX) +
                " bytes Linux allows; the layer can't be unpacked");
  return parts;
}

// A symlink inside the layer is followed as if the layer were "/", so it
// can only ever name something inside dest.
UniqueFd Unpacker::resolve_in_root(const std::vector<std::string>& parts, size_t count, const std::string& shown) {
  std::string rel = join(parts, count);
  if (have_openat2_) {
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    long fd = ::syscall(SYS_openat2, root_.get(), rel.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno == ENOSYS) {
      have_openat2_ = false;
    } else {
      throw Error("layer entry " + shown + " goes through the symlink " + printable(rel) +
                  ", which does not lead to a directory inside the layer (" + std::strerror(errno) + ")");
    }
  }
  throw Error("layer entry " + shown + " goes through the symlink " + printable(rel) +
              "; this kernel lacks openat2 to follow it safely");
}

UniqueFd Unpacker::open_dir(const std::vector<std::string>& parts, size_t count, bool create,
                            const std::string& shown) {
  UniqueFd cur(::openat(root_.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cur) throw_errno("open " + dest_.string());
  for (size_t i = 0; i < count; ++i) {
    const char* part = parts[i].c_str();
    UniqueFd next(::openat(cur.get(), part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next && errno == ENOENT && create) {
      if (::mkdirat(cur.get(), part, 0755) != 0 && errno != EEXIST)
        throw_errno("create directory " + printable(join(parts, i + 1)) + " for layer entry " + shown);
      ::fchmodat(cur.get(), part, 0755, 0);
      next.reset(::openat(cur.get(), part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }
    if (!next) {
      int err = errno;
      struct stat st {};
      if ((err == ENOTDIR || err == ELOOP) && ::fstatat(cur.get(), part, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode)) {
        next = resolve_in_root(parts, i + 1, shown);
      } else if (err == ENOTDIR) {
        throw Error("layer entry " + shown + " is below " + printable(join(parts, i + 1)) +
                    ", which is not a directory; the layer is malformed");
      } else {
        throw_errno("open " + printable(join(parts, i + 1)) + " for layer entry " + shown, err);
      }
    }
    cur = std::move(next);
  }
  return cur;
}

void Unpacker::times_of(archive_entry* e, timespec times[2]) {
  times[1].tv_sec = archive_entry_mtime(e);
  times[1].tv_nsec = archive_entry_mtime_nsec(e);
  if (archive_entry_atime_is_set(e)) {
    times[0].tv_sec = archive_entry_atime(e);
    times[0].tv_nsec = archive_entry_atime_nsec(e);
  } else {
    times[0] = times[1];
  }
}

void Unpacker::set_xattrs(archive_entry* e, int fd, int parent, const std::string& name) {
  if (archive_entry_xattr_reset(e) == 0) return;
  const char* key = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
    if (key == nullptr || is_overlay_xattr(key)) continue;
    int rc = fd >= 0 ? ::fsetxattr(fd, key, value, size, 0)
                     : ::lsetxattr(proc_path(parent, name).c_str(), key, value, size, 0);
    if (rc != 0 && !ignorable_xattr_error(errno)) throw_errno("set xattr " + std::string(key) + " on " + name);
  }
}

void Unpacker::whiteout(int parent, const std::string& name, const std::string& dir, const std::string& shown) {
  if (name == kOpaqueMarker) {
    UniqueFd fd(::openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno("open " + (dir.empty() ? "/" : printable(dir)) + " for layer entry " + shown);
    const char* xattr = opaque_xattr(options_.user_xattrs);
    if (::fsetxattr(fd.get(), xattr, "y", 1, 0) != 0)
      throw_errno(std::string("mark ") + (dir.empty() ? "/" : printable(dir)) + " opaque with the " + xattr +
                  " xattr (the store's filesystem must support it)");
    return;
  }
  if (starts_with(name, kWhiteoutMetaPrefix))
    throw Error("layer entry " + shown + " is an unknown whiteout marker; the layer is not a valid OCI layer");
  std::string target = name.substr(kWhiteoutPrefix.size());
  if (target.empty() || target == "." || target == "..")
    throw Error("layer entry " + shown + " is a whiteout for an invalid name; the layer is not a valid OCI layer");
  remove_tree_at(parent, target.c_str());
  if (::mknodat(parent, target.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
    throw_errno("create the whiteout for layer entry " + shown + " (a 0:0 character device needs root)");
}

void Unpacker::directory(int parent, const std::string& name, const std::vector<std::string>& parts, archive_entry* e) {
  struct stat st {};
  bool exists = ::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && !S_ISDIR(st.st_mode)) {
    remove_tree_at(parent, name.c_str());
    exists = false;
  }
  // Owner-writable until finish(): later entries still have to go in.
  if (!exists && ::mkdirat(parent, name.c_str(), 0700) != 0)
    throw_errno("create directory " + printable(join(parts, parts.size())));
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open directory " + printable(join(parts, parts.size())));
  chown_result(::fchown(fd.get(), archive_entry_uid(e), archive_entry_gid(e)), printable(join(parts, parts.size())),
               archive_entry_uid(e), archive_entry_gid(e));
  set_xattrs(e, fd.get(), -1, name);
  DirFixup fix{parts, static_cast<mode_t>(archive_entry_perm(e) & 07777), {}};
  times_of(e, fix.times);
  dirs_[join(parts, parts.size())] = std::move(fix);
}

void Unpacker::charge(uint64_t bytes, const std::string& shown) {
  charged_ = bytes > UINT64_MAX - charged_ ? UINT64_MAX : charged_ + bytes;
  if (options_.max_bytes && charged_ > options_.max_bytes)
    throw Error("the layer unpacks to more than " + binary_bytes(options_.max_bytes) + " (at " + shown + "); " +
                kLayerLimitHint);
  if (charged_ > free_bytes_)
    throw Error("the layer unpacks to more than the " + binary_bytes(free_bytes_) + " free on the store's filesystem (at " +
                shown + "); free some space and try again");
}

void Unpacker::regular(archive* a, int parent, const std::string& name, archive_entry* e, const std::string& shown) {
  // The declared size counts in full before anything is written: a sparse
  // entry's holes cost nothing to send but everything to copy.
  const bool sized = archive_entry_size_is_set(e);
  if (sized && archive_entry_size(e) < 0) throw Error("layer entry " + shown + " has a negative size");
  const uint64_t declared = sized ? static_cast<uint64_t>(archive_entry_size(e)) : 0;
  charge(declared, shown);
  uint64_t extent = declared;
  uint64_t data_end = 0;  // where the last data block ends
  remove_tree_at(parent, name.c_str());
  UniqueFd fd(::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw_errno("create " + shown);
  for (;;) {
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(a, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a);
      std::string why = stream_error_ && !stream_error_->empty() ? *stream_error_ : msg ? msg : "unknown error";
      throw Error("read layer entry " + shown + ": " + why);
    }
    if (offset < 0 || static_cast<uint64_t>(offset) > UINT64_MAX - size)
      throw Error("layer entry " + shown + " has data at an impossible offset; the layer is malformed");
    if (static_cast<uint64_t>(offset) + size > extent) {
      charge(static_cast<uint64_t>(offset) + size - extent, shown);
      extent = static_cast<uint64_t>(offset) + size;
    }
    bytes_ += size;
    data_end = std::max(data_end, static_cast<uint64_t>(offset) + size);
    const char* p = static_cast<const char*>(buf);
    while (size > 0) {
      ssize_t n = ::pwrite(fd.get(), p, size, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno("write " + shown);
      }
      p += n;
      size -= static_cast<size_t>(n);
      offset += n;
    }
  }
  // Sparse files may end in a hole that no data block covers.
  if (sized && data_end < declared && ::ftruncate(fd.get(), static_cast<off_t>(declared)) != 0)
    throw_errno("truncate " + shown);
  // A new file already belongs to us; most of an image belongs to root.
  if (archive_entry_uid(e) != ::geteuid() || archive_entry_gid(e) != ::getegid())
    chown_result(::fchown(fd.get(), archive_entry_uid(e), archive_entry_gid(e)), shown, archive_entry_uid(e),
                 archive_entry_gid(e));
  // After chown, which clears setuid and setgid.
  if (::fchmod(fd.get(), archive_entry_perm(e) & 07777) != 0) throw_errno("chmod " + shown);
  set_xattrs(e, fd.get(), -1, name);
  timespec times[2];
  times_of(e, times);
  if (::futimens(fd.get(), times) != 0) throw_errno("set times on " + shown);
}

void Unpacker::hardlink(int parent, const std::string& name, const std::vector<std::string>& parts, archive_entry* e,
                        const std::string& shown) {
  const std::string raw_target = entry_hardlink(e);
  const std::string shown_target = printable(raw_target);
  std::vector<std::string> target;
  try {
    target = split(raw_target, shown_target);
  } catch (const Error&) {
    throw Error("layer entry " + shown + " is a hardlink to " + shown_target + ", outside the layer directory");
  }
  auto missing = [&] {
    return Error("layer entry " + shown + " is a hardlink to " + shown_target +
                 ", which is not an earlier file of the layer; the layer is malformed or hostile");
  };
  if (target.empty()) throw missing();
  if (target == parts) return;
  UniqueFd tparent;
  try {
    tparent = open_dir(target, target.size() - 1, false, shown);
  } catch (const Error&) {
    throw missing();
  }
  struct stat st {};
  if (::fstatat(tparent.get(), target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(st.st_mode))
    throw missing();
  struct stat existing {};
  if (::fstatat(parent, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 && existing.st_dev == st.st_dev &&
      existing.st_ino == st.st_ino)
    return;
  remove_tree_at(parent, name.c_str());
  if (::linkat(tparent.get(), target.back().c_str(), parent, name.c_str(), 0) != 0)
    throw_errno("link " + shown + " to " + shown_target);
}

void Unpacker::entry(archive* a, archive_entry* e) {
  const char* raw = entry_path(e);
  if (raw == nullptr) throw Error("the layer has an entry without a usable name");
  const std::string raw_name = raw;
  const std::string shown = printable(raw_name);
  std::vector<std::string> parts = split(raw_name, shown);
  mode_t type = archive_entry_filetype(e);
  const char* link = entry_hardlink(e);

  if (parts.empty()) {
    if (link == nullptr && type == AE_IFDIR) {
      // "./": the layer's own root directory.
      UniqueFd fd(::openat(root_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!fd) throw_errno("open " + dest_.string());
      chown_result(::fchown(fd.get(), archive_entry_uid(e), archive_entry_gid(e)), "/", archive_entry_uid(e),
                   archive_entry_gid(e));
      set_xattrs(e, fd.get(), -1, ".");
      DirFixup fix{{}, static_cast<mode_t>(archive_entry_perm(e) & 07777), {}};
      times_of(e, fix.times);
      dirs_[""] = std::move(fix);
      return;
    }
    throw Error("layer entry " + shown + " would replace the layer's root directory; the layer is malformed");
  }

  if (++entries_ > free_inodes_)
    throw Error("the layer has more entries than the " + std::to_string(free_inodes_) +
                " inodes free on the store's filesystem (at " + shown + "); free some and try again");
  // Entries come grouped by directory, so the last parent usually serves
  // again and the walk from the root is skipped. That is safe: an entry
  // only ever changes names inside its own parent, never the parent itself
  // or its ancestors, and an entry elsewhere replaces the cache.
  std::string parent_key = join(parts, parts.size() - 1);
  if (!parent_fd_ || parent_key != parent_key_) {
    UniqueFd fresh = open_dir(parts, parts.size() - 1, true, shown);
    parent_fd_ = std::move(fresh);
    parent_key_ = std::move(parent_key);
  }
  const int parent = parent_fd_.get();
  const std::string& name = parts.back();
  if (starts_with(name, kWhiteoutPrefix)) {
    whiteout(parent, name, join(parts, parts.size() - 1), shown);
    return;
  }
  if (link != nullptr) {
    hardlink(parent, name, parts, e, shown);
    return;
  }
  const char* n = name.c_str();
  timespec times[2];
  times_of(e, times);
  mode_t perm = archive_entry_perm(e) & 07777;
  switch (type) {
    case AE_IFDIR:
      directory(parent, name, parts, e);
      return;
    case AE_IFREG:
      regular(a, parent, name, e, shown);
      return;
    case AE_IFLNK: {
      const char* target = entry_symlink(e);
      if (target == nullptr) throw Error("layer entry " + shown + " is a symlink without a target");
      remove_tree_at(parent, n);
      if (::symlinkat(target, parent, n) != 0) throw_errno("create symlink " + shown);
      break;
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      remove_tree_at(parent, n);
      dev_t dev = type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
      if (::mknodat(parent, n, type | 0600, dev) != 0) {
        // Device nodes need CAP_MKNOD; without it the file is left out, as
        // rootless Docker does. Containers get their /dev from the runtime.
        if (errno == EPERM) return;
        throw_errno("create device " + shown);
      }
      break;
    }
    default:
      return;  // sockets and unknown types have no content worth keeping
  }
  chown_result(::fchownat(parent, n, archive_entry_uid(e), archive_entry_gid(e), AT_SYMLINK_NOFOLLOW), shown,
               archive_entry_uid(e), archive_entry_gid(e));
  if (type != AE_IFLNK && ::fchmodat(parent, n, perm, 0) != 0) throw_errno("chmod " + shown);
  set_xattrs(e, -1, parent, name);
  if (::utimensat(parent, n, times, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("set times on " + shown);
}

// Directory modes and times go on last: modes so that read-only directories
// can still be filled, times because filling them changes their mtime.
void Unpacker::finish() {
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    const DirFixup& fix = it->second;
    UniqueFd parent;
    std::string name = ".";
    if (fix.path.empty()) {
      parent.reset(::openat(root_.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    } else {
      try {
        parent = open_dir(fix.path, fix.path.size() - 1, false, it->first);
      } catch (const Error&) {
        continue;  // removed by a later entry
      }
      name = fix.path.back();
    }
    struct stat st {};
    if (!parent || ::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
      continue;
    if (::fchmodat(parent.get(), name.c_str(), fix.mode, 0) != 0) throw_errno("chmod " + printable(it->first));
    if (::utimensat(parent.get(), name.c_str(), fix.times, AT_SYMLINK_NOFOLLOW) != 0)
      throw_errno("set times on " + printable(it->first));
  }
}

}  // namespace

UnpackResult unpack_layer(const fs::path& archive_path, const fs::path& dest, const UnpackOptions& options) {
  const std::string name = archive_path.string();
  // Opened here first so a missing file reports the file, not libarchive.
  UniqueFd fd(::open(archive_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("cannot read " + name);
  std::unique_ptr<DecompressedStream> source = open_decompressed(fd.get(), name);

  Stream stream;
  stream.source = source.get();
  ArchivePtr tar(archive_read_new());
  if (!tar) throw Error("libarchive: out of memory");
  archive_read_support_format_tar(tar.get());
  archive_read_support_format_gnutar(tar.get());
  auto fail = [&](archive* a) -> Error {
    if (!stream.error.empty()) return Error("read layer " + name + ": " + stream.error);
    const char* msg = archive_error_string(a);
    return Error("read layer " + name + ": " + (msg ? msg : "unknown error"));
  };
  if (archive_read_open(tar.get(), &stream, nullptr, stream_read, nullptr) != ARCHIVE_OK) throw fail(tar.get());

  Unpacker unpacker(dest, options, &stream.error);
  for (;;) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(tar.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) throw fail(tar.get());
    unpacker.entry(tar.get(), entry);
  }
  unpacker.finish();

  // The diff_id covers the whole stream, including the end-of-archive
  // blocks and padding the tar reader never asked for.
  const void* ignored = nullptr;
  for (;;) {
    la_ssize_t n = stream_read(tar.get(), &stream, &ignored);
    if (n == 0) break;
    if (n < 0) throw fail(tar.get());
  }
  UnpackResult result;
  result.diff_id = stream.hash.finish();
  result.bytes = unpacker.bytes();
  return result;
}

}  // namespace mini::store
