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

void remove_children(int dirfd, dev_t dev, const std::string& where);

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
  if (parent_dev != 0 && st.st_dev != parent_dev)
    throw Error(where + " is a mount point; unmount it (umount -l " + where + ") and try again");
  fsutil::UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd && errno == EACCES) {
    ::fchmodat(dirfd, name, 0700, 0);
    fd.reset(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  if (!fd) throw_errno("open " + where);
  // Without write permission on the directory its entries can't be unlinked.
  if ((st.st_mode & 0700) != 0700) ::fchmod(fd.get(), 0700);
  remove_children(fd.get(), st.st_dev, where);
  fd.reset();
  if (::unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) throw_errno("remove " + where);
}

void remove_children(int dirfd, dev_t dev, const std::string& where) {
  int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) throw_errno("dup " + where);
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) {
    ::close(dup);
    throw_errno("opendir " + where);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(dir);
  for (const auto& name : names) remove_entry(dirfd, name.c_str(), dev, where + "/" + name);
}

}  // namespace

void remove_tree_at(int dirfd, const char* name) {
  struct stat parent {};
  if (::fstat(dirfd, &parent) != 0) throw_errno("stat directory");
  remove_entry(dirfd, name, parent.st_dev, name);
}

void remove_tree(const fs::path& path) {
  fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  fsutil::UniqueFd fd(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return;
    throw_errno("open " + parent.string());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + parent.string());
  remove_entry(fd.get(), path.filename().c_str(), st.st_dev, path.string());
}

}  // namespace mini::store
