#include "store/layer_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/fs_tree.h"
#include "store/overlay_format.h"

namespace mini::store {

namespace {

namespace fs = std::filesystem;
using fsutil::UniqueFd;

// Copies xattrs from `src` to `dst`; fds when both are open files, else paths
// (symlinks, devices), which the l*xattr calls don't follow.
void copy_xattrs(int src_fd, int dst_fd, const std::string& src_path, const std::string& dst_path) {
  auto list = [&](char* buf, size_t size) {
    return src_fd >= 0 ? ::flistxattr(src_fd, buf, size) : ::llistxattr(src_path.c_str(), buf, size);
  };
  ssize_t size = list(nullptr, 0);
  if (size <= 0) return;
  std::string names(static_cast<size_t>(size), '\0');
  size = list(names.data(), names.size());
  if (size <= 0) return;
  names.resize(static_cast<size_t>(size));
  for (size_t pos = 0; pos < names.size();) {
    std::string key = names.c_str() + pos;
    pos += key.size() + 1;
    if (key.empty() || is_overlay_xattr(key)) continue;
    auto get = [&](void* buf, size_t n) {
      return src_fd >= 0 ? ::fgetxattr(src_fd, key.c_str(), buf, n)
                         : ::lgetxattr(src_path.c_str(), key.c_str(), buf, n);
    };
    ssize_t n = get(nullptr, 0);
    if (n < 0) continue;
    std::string value(static_cast<size_t>(n), '\0');
    n = get(value.data(), value.size());
    if (n < 0) continue;
    int rc = dst_fd >= 0 ? ::fsetxattr(dst_fd, key.c_str(), value.data(), static_cast<size_t>(n), 0)
                         : ::lsetxattr(dst_path.c_str(), key.c_str(), value.data(), static_cast<size_t>(n), 0);
    if (rc != 0 && !ignorable_xattr_error(errno)) throw_errno("copy xattr " + key + " to " + dst_path);
  }
}

void copy_data(int in, int out, const std::string& what) {
  bool use_range = true;
  for (;;) {
    if (use_range) {
      ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
      if (n > 0) continue;
      if (n == 0) return;
      if (errno == EINTR) continue;
      if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP && errno != EPERM)
        throw_errno("copy " + what);
      use_range = false;
    }
    char buf[1 << 16];
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read " + what);
    }
    if (n == 0) return;
    fsutil::write_all(out, std::string_view(buf, static_cast<size_t>(n)));
  }
}

class LayerCopier {
 public:
  LayerCopier(const fs::path& layer_dir, const fs::path& target) : layer_dir_(layer_dir), target_(target) {}
  void run();

 private:
  // A directory being copied: where it is, what the source looked like (its
  // metadata goes on once it is full), the target's identity (to come back
  // up through ".." safely) and the entries still to copy.
  struct Frame {
    std::string rel;  // relative to the layer; "" at the top
    struct stat src_st;
    dev_t dst_dev;
    ino_t dst_ino;
    std::vector<std::string> names;
    size_t next = 0;
  };
  // Creates or reuses the target directory for source directory `name`.
  UniqueFd enter_dir(int src_dir, int dst, const std::string& name, const std::string& what);
  void copy_entry(int src, int dst, const std::string& name, const std::string& rel, const struct stat& st);

  fs::path layer_dir_, target_;
  UniqueFd dst_root_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // layer inode -> first copy, relative to target
};

void clear_dir(int dirfd, const std::string& where) {
  for (const auto& name : list_names_at(dirfd, where)) remove_tree_at(dirfd, name.c_str());
}

void apply_dir_metadata(int src, int dst, const struct stat& st, const std::string& what) {
  copy_xattrs(src, dst, "", what);
  chown_result(::fchown(dst, st.st_uid, st.st_gid), what, st.st_uid, st.st_gid);
  if (::fchmod(dst, st.st_mode & 07777) != 0) throw_errno("chmod " + what);
  timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(dst, times) != 0) throw_errno("set times on " + what);
}

// Depth-first with one source and one target directory open at a time, so
// a layer nested thousands deep neither exhausts the file descriptors nor
// the stack; going up through ".." is checked against where we came from.
void LayerCopier::run() {
  UniqueFd src(::open(layer_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!src) throw_errno("open layer " + layer_dir_.string());
  dst_root_.reset(::open(target_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dst_root_) throw_errno("open " + target_.string());
  if (is_opaque_dir(src.get())) clear_dir(dst_root_.get(), target_.string());
  UniqueFd dst(::openat(dst_root_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  struct stat src_st {}, dst_st {};
  if (!dst || ::fstat(dst.get(), &dst_st) != 0) throw_errno("open " + target_.string());
  if (::fstat(src.get(), &src_st) != 0) throw_errno("stat " + layer_dir_.string());
  std::vector<Frame> stack;
  stack.push_back({"", src_st, dst_st.st_dev, dst_st.st_ino, list_names_at(src.get(), layer_dir_.string())});
  for (;;) {
    Frame& top = stack.back();
    if (top.next < top.names.size()) {
      const std::string name = top.names[top.next++];
      const std::string rel = top.rel.empty() ? name : top.rel + "/" + name;
      struct stat st {};
      if (::fstatat(src.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        throw_errno("stat " + (layer_dir_ / rel).string());
      if (!S_ISDIR(st.st_mode)) {
        copy_entry(src.get(), dst.get(), name, rel, st);
        continue;
      }
      UniqueFd in(::openat(src.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!in) throw_errno("open " + (layer_dir_ / rel).string());
      UniqueFd out = enter_dir(in.get(), dst.get(), name, (target_ / rel).string());
      if (::fstat(out.get(), &dst_st) != 0) throw_errno("stat " + (target_ / rel).string());
      std::vector<std::string> names = list_names_at(in.get(), (layer_dir_ / rel).string());
      stack.push_back({rel, st, dst_st.st_dev, dst_st.st_ino, std::move(names)});
      src = std::move(in);
      dst = std::move(out);
      continue;
    }
    // Everything below `top` is in: its own metadata goes on last.
    const std::string what = (target_ / top.rel).string();
    apply_dir_metadata(src.get(), dst.get(), top.src_st, what);
    if (stack.size() == 1) return;
    stack.pop_back();
    const Frame& parent = stack.back();
    UniqueFd src_up(::openat(src.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    UniqueFd dst_up(::openat(dst.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct stat su {}, du {};
    if (!src_up || !dst_up || ::fstat(src_up.get(), &su) != 0 || ::fstat(dst_up.get(), &du) != 0)
      throw_errno("open the parent of " + what);
    if (su.st_dev != parent.src_st.st_dev || su.st_ino != parent.src_st.st_ino || du.st_dev != parent.dst_dev ||
        du.st_ino != parent.dst_ino)
      throw Error(what + " moved while the layer was being copied; try again");
    src = std::move(src_up);
    dst = std::move(dst_up);
  }
}

UniqueFd LayerCopier::enter_dir(int src_dir, int dst, const std::string& name, const std::string& what) {
  const char* n = name.c_str();
  struct stat existing {};
  bool exists = ::fstatat(dst, n, &existing, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && !S_ISDIR(existing.st_mode)) {
    remove_tree_at(dst, n);
    exists = false;
  }
  if (!exists && ::mkdirat(dst, n, 0700) != 0) throw_errno("create directory " + what);
  UniqueFd out(::openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!out) throw_errno("open " + what);
  if (exists && is_opaque_dir(src_dir)) clear_dir(out.get(), what);
  // Owner-writable while filling; the real mode goes on afterwards.
  if (exists) ::fchmod(out.get(), (existing.st_mode & 07777) | 0700);
  return out;
}

void LayerCopier::copy_entry(int src, int dst, const std::string& name, const std::string& rel,
                             const struct stat& st) {
  const char* n = name.c_str();
  const std::string what = (target_ / rel).string();
  if (is_whiteout(st)) {
    remove_tree_at(dst, n);  // a whiteout hides what lower layers had here
    return;
  }
  remove_tree_at(dst, n);
  timespec times[2] = {st.st_atim, st.st_mtim};
  if (S_ISREG(st.st_mode)) {
    if (st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto it = links_.find(key);
      if (it != links_.end()) {
        if (::linkat(dst_root_.get(), it->second.c_str(), dst, n, 0) != 0) throw_errno("link " + what);
        return;
      }
      links_[key] = rel;
    }
    UniqueFd in(::openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) throw_errno("open " + (layer_dir_ / rel).string());
    UniqueFd out(::openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) throw_errno("create " + what);
    copy_data(in.get(), out.get(), what);
    copy_xattrs(in.get(), out.get(), "", what);
    chown_result(::fchown(out.get(), st.st_uid, st.st_gid), what, st.st_uid, st.st_gid);
    if (::fchmod(out.get(), st.st_mode & 07777) != 0) throw_errno("chmod " + what);
    if (::futimens(out.get(), times) != 0) throw_errno("set times on " + what);
    return;
  }
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
    ssize_t len = ::readlinkat(src, n, target.data(), target.size());
    if (len < 0) throw_errno("read symlink " + (layer_dir_ / rel).string());
    target.resize(static_cast<size_t>(len));
    if (::symlinkat(target.c_str(), dst, n) != 0) throw_errno("create symlink " + what);
  } else {
    if (::mknodat(dst, n, (st.st_mode & S_IFMT) | 0600, st.st_rdev) != 0) {
      if (errno == EPERM) return;  // no CAP_MKNOD: left out, as when unpacking
      throw_errno("create " + what);
    }
  }
  copy_xattrs(-1, -1, proc_path(src, name), proc_path(dst, name));
  chown_result(::fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW), what, st.st_uid, st.st_gid);
  if (!S_ISLNK(st.st_mode) && ::fchmodat(dst, n, st.st_mode & 07777, 0) != 0) throw_errno("chmod " + what);
  if (::utimensat(dst, n, times, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("set times on " + what);
}

}  // namespace

void apply_layer_copy(const fs::path& layer_dir, const fs::path& target) { LayerCopier(layer_dir, target).run(); }

}  // namespace mini::store
