#include "store/idmap.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/fs_tree.h"

namespace mini::store {

namespace {

using fsutil::UniqueFd;

void write_map(pid_t pid, const char* file, const std::string& line) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path);
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    throw_errno("write " + path + " (check the mini ranges in /etc/subuid and /etc/subgid)");
}

// The child that owns the namespace: it waits for the parent to close the
// pipe, then exits. Only async-signal-safe calls after clone.
class NamespaceHolder {
 public:
  NamespaceHolder() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("create a pipe");
    UniqueFd read_end(fds[0]);
    release_.reset(fds[1]);
    clone_args args{};
    args.flags = CLONE_NEWUSER;
    args.exit_signal = SIGCHLD;
    pid_ = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
    if (pid_ < 0) throw_errno("create a user namespace for the idmapped layers");
    if (pid_ == 0) {
      ::close(fds[1]);
      char c;
      while (::read(fds[0], &c, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
  }
  ~NamespaceHolder() {
    release_.reset();
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  NamespaceHolder(const NamespaceHolder&) = delete;
  NamespaceHolder& operator=(const NamespaceHolder&) = delete;
  pid_t pid() const { return pid_; }

 private:
  UniqueFd release_;
  pid_t pid_ = -1;
};

// The walk for max_setid_owner: by descriptor, never following a symlink
// or crossing into another mount, nothing but directories opened.
void scan_setid(int dirfd, dev_t dev, std::optional<uint32_t>& max, const std::string& shown) {
  std::vector<std::string> subdirs;
  for (std::string& name : list_names_at(dirfd, shown)) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != dev) continue;
    if (S_ISDIR(st.st_mode)) {
      subdirs.push_back(std::move(name));
    } else if (S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID))) {
      uint32_t owner = std::max<uint32_t>(st.st_uid, st.st_gid);
      if (!max || owner > *max) max = owner;
    }
  }
  for (const auto& name : subdirs) {
    UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub) throw_errno("open " + shown + "/" + name);
    scan_setid(sub.get(), dev, max, shown + "/" + name);
  }
}

}  // namespace

std::optional<uint32_t> max_setid_owner(const fs::path& layer_fs) {
  const fs::path cache = layer_fs.parent_path() / "setid-owner";
  try {
    std::string text = fsutil::read_file(cache, 64);
    if (text == "none\n") return std::nullopt;
    return static_cast<uint32_t>(std::stoul(text));
  } catch (const std::exception&) {
    // Not scanned yet (or a damaged cache): scan.
  }
  UniqueFd root(::open(layer_fs.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root) throw_errno("open " + layer_fs.string());
  struct stat st {};
  if (::fstat(root.get(), &st) != 0) throw_errno("stat " + layer_fs.string());
  std::optional<uint32_t> max;
  scan_setid(root.get(), st.st_dev, max, layer_fs.string());
  try {
    fsutil::write_file_atomic(cache, max ? std::to_string(*max) + "\n" : "none\n", 0600, false);
  } catch (const Error&) {
    // A read-only store still works, scanning each time.
  }
  return max;
}

UniqueFd make_mapping_userns(uint32_t start, uint32_t count) {
  NamespaceHolder holder;
  std::string line = "0 " + std::to_string(start) + " " + std::to_string(count) + "\n";
  write_map(holder.pid(), "uid_map", line);
  write_map(holder.pid(), "gid_map", line);
  std::string ns = "/proc/" + std::to_string(holder.pid()) + "/ns/user";
  UniqueFd fd(::open(ns.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + ns);
  return fd;
}

std::vector<fs::path> attach_idmapped(const std::vector<fs::path>& dirs, int userns_fd, const fs::path& at) {
  std::vector<fs::path> points;
  try {
    if (::mkdir(at.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("create " + at.string());
    for (size_t i = 0; i < dirs.size(); ++i) {
      UniqueFd tree(::open_tree(AT_FDCWD, dirs[i].c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
      if (!tree) throw_errno("open_tree " + dirs[i].string());
      mount_attr attr{};
      attr.attr_set = MOUNT_ATTR_IDMAP;
      attr.userns_fd = static_cast<uint64_t>(userns_fd);
      if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
        throw_errno("mount_setattr MOUNT_ATTR_IDMAP on " + dirs[i].string());
      fs::path point = at / std::to_string(i);
      if (::mkdir(point.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("create " + point.string());
      if (::move_mount(tree.get(), "", AT_FDCWD, point.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
        throw_errno("move_mount to " + point.string());
      points.push_back(point);
    }
  } catch (...) {
    detach_idmapped(at);
    throw;
  }
  return points;
}

void detach_idmapped(const fs::path& at) noexcept {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(at, ec)) {
    // A lazy unmount of what is mounted there; EINVAL: nothing is.
    ::umount2(entry.path().c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
    ::rmdir(entry.path().c_str());
  }
  ::rmdir(at.c_str());
}

}  // namespace mini::store
