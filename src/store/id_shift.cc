#include "store/id_shift.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/fs_tree.h"

namespace mini::store {

namespace {

using fsutil::UniqueFd;

class Shifter {
 public:
  Shifter(const IdRangeShift& range, dev_t dev)
      : range_(range), dev_(dev), nobody_(range.count > 65534 ? 65534 : range.count - 1) {}

  void directory(int fd, const std::string& shown) {
    for (const std::string& name : list_names_at(fd, shown)) {
      struct stat st {};
      if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("stat " + shown + "/" + name);
      if (st.st_dev != dev_) continue;  // a mount point: not part of the copy
      std::string path = shown + "/" + name;
      if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && !seen_.insert({st.st_dev, st.st_ino}).second) continue;
      if (S_ISDIR(st.st_mode)) {
        UniqueFd sub(::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) throw_errno("open " + path);
        shift_open(sub.get(), st, path);
        directory(sub.get(), path);
      } else if (S_ISREG(st.st_mode)) {
        // Opening a regular file has no side effects; the fd pins the inode
        // that was stat'ed for the chmod that follows.
        UniqueFd file(::openat(fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
        if (!file) throw_errno("open " + path);
        struct stat again {};
        if (::fstat(file.get(), &again) != 0 || again.st_ino != st.st_ino || !S_ISREG(again.st_mode))
          throw Error(path + " changed while its owner was shifted");
        shift_open(file.get(), st, path);
      } else {
        // Symlinks, devices, FIFOs, sockets: changed by name, not opened.
        Owner owner = map(st);
        if (::fchownat(fd, name.c_str(), owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("chown " + path);
        ++report.shifted;
      }
    }
  }

  void shift_open(int fd, const struct stat& st, const std::string& shown) {
    Owner owner = map(st);
    if (::fchown(fd, owner.uid, owner.gid) != 0) throw_errno("chown " + shown);
    // chown clears setuid and setgid; put back what may stay.
    mode_t mode = st.st_mode & 07777;
    if (owner.clamped) mode &= ~static_cast<mode_t>(S_ISUID | S_ISGID);
    if ((st.st_mode & (S_ISUID | S_ISGID)) && ::fchmod(fd, mode) != 0) throw_errno("chmod " + shown);
    ++report.shifted;
  }

  ShiftReport report;

 private:
  struct Owner {
    uid_t uid;
    gid_t gid;
    bool clamped;
  };

  Owner map(const struct stat& st) {
    bool uid_out = st.st_uid >= range_.count, gid_out = st.st_gid >= range_.count;
    if (uid_out || gid_out) ++report.clamped;
    return {range_.start + (uid_out ? nobody_ : st.st_uid), range_.start + (gid_out ? nobody_ : st.st_gid),
            uid_out || gid_out};
  }

  IdRangeShift range_;
  dev_t dev_;
  uint32_t nobody_;
  std::set<std::pair<dev_t, ino_t>> seen_;
};

}  // namespace

ShiftReport shift_ownership(const fs::path& root, const IdRangeShift& range) {
  if (range.count == 0) throw Error("the user namespace's id range is empty; fix /etc/subuid and /etc/subgid");
  UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open " + root.string());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + root.string());
  Shifter shifter(range, st.st_dev);
  try {
    shifter.shift_open(fd.get(), st, root.string());
    shifter.directory(fd.get(), root.string());
  } catch (const Error& e) {
    throw Error(std::string("shift the owners of the rootfs for the user namespace: ") + e.what());
  }
  return shifter.report;
}

}  // namespace mini::store
