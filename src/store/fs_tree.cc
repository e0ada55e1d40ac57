#include "store/fs_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fs_util.h"

namespace mini::store {

namespace {

using fsutil::UniqueFd;

// Opens directory `name` in `dirfd` for removing its entries, making it
// searchable and writable first if its mode doesn't allow that.
UniqueFd open_for_removal(int dirfd, const char* name, const struct stat& st, const std::string& where) {
  UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd && errno == EACCES) {
    ::fchmodat(dirfd, name, 0700, 0);
    fd.reset(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  if (!fd) throw_errno("open " + where);
  if ((st.st_mode & 0700) != 0700) ::fchmod(fd.get(), 0700);
  return fd;
}

// A directory being emptied: its name in its parent, its identity, and the
// entries still to remove.
struct Frame {
  std::string name;
  dev_t dev;
  ino_t ino;
  std::vector<std::string> names;
  size_t next = 0;
};

std::string path_of(const std::string& top, const std::vector<Frame>& stack, const std::string& leaf = "") {
  std::string out = top;
  for (size_t i = 1; i < stack.size(); ++i) out += "/" + stack[i].name;
  return leaf.empty() ? out : out + "/" + leaf;
}

// Depth-first without recursion and with one directory open at a time:
// unpacked layers nest as deep as their tarball says (thousands of levels),
// which must neither exhaust the stack nor the file descriptor limit. Going
// back up uses "..", checked against the directory we came from, so a tree
// rearranged underneath stops the removal instead of redirecting it.
void remove_entry(int dirfd, const char* name, dev_t parent_dev, const std::string& where) {
  struct stat st {};
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw_errno("stat " + where);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name, 0) != 0 && errno != ENOENT) throw_errno("remove " + where);
    return;
  }
  auto mount_point = [](const std::string& path) {
    return Error(path + " is a mount point; unmount it (umount -l " + path + ") and try again");
  };
  if (parent_dev != 0 && st.st_dev != parent_dev) throw mount_point(where);

  UniqueFd cur = open_for_removal(dirfd, name, st, where);
  std::vector<Frame> stack;
  stack.push_back({name, st.st_dev, st.st_ino, list_names_at(cur.get(), where)});
  for (;;) {
    Frame& top = stack.back();
    if (top.next < top.names.size()) {
      const std::string child = top.names[top.next++];
      struct stat cst {};
      if (::fstatat(cur.get(), child.c_str(), &cst, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;
        throw_errno("stat " + path_of(where, stack, child));
      }
      if (!S_ISDIR(cst.st_mode)) {
        if (::unlinkat(cur.get(), child.c_str(), 0) != 0 && errno != ENOENT)
          throw_errno("remove " + path_of(where, stack, child));
        continue;
      }
      if (cst.st_dev != top.dev) throw mount_point(path_of(where, stack, child));
      UniqueFd next = open_for_removal(cur.get(), child.c_str(), cst, path_of(where, stack, child));
      std::vector<std::string> names = list_names_at(next.get(), path_of(where, stack, child));
      stack.push_back({child, cst.st_dev, cst.st_ino, std::move(names)});
      cur = std::move(next);
      continue;
    }
    // `top` is empty now.
    if (stack.size() == 1) break;
    const std::string done = top.name;
    const std::string done_path = path_of(where, stack);
    stack.pop_back();
    UniqueFd up(::openat(cur.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct stat ust {};
    if (!up || ::fstat(up.get(), &ust) != 0) throw_errno("open the parent of " + done_path);
    if (ust.st_dev != stack.back().dev || ust.st_ino != stack.back().ino)
      throw Error(done_path + " moved while it was being removed; remove what is left by hand");
    cur = std::move(up);
    if (::unlinkat(cur.get(), done.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) throw_errno("remove " + done_path);
  }
  cur.reset();
  if (::unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) throw_errno("remove " + where);
}

}  // namespace

std::vector<std::string> list_names_at(int dirfd, const std::string& shown) {
  int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) throw_errno("open " + shown);
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) {
    ::close(dup);
    throw_errno("open " + shown);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) throw_errno("read " + shown, err);
  return names;
}

void remove_tree_at(int dirfd, const char* name) {
  struct stat parent {};
  if (::fstat(dirfd, &parent) != 0) throw_errno("stat directory");
  remove_entry(dirfd, name, parent.st_dev, name);
}

void remove_tree(const fs::path& path) {
  fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  UniqueFd fd(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return;
    throw_errno("open " + parent.string());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + parent.string());
  remove_entry(fd.get(), path.filename().c_str(), st.st_dev, path.string());
}

}  // namespace mini::store
