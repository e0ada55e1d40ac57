#include "store/rootfs.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/fs_tree.h"
#include "store/unpack.h"

namespace mini::store {

namespace {

// overlayfs splits lowerdir on ':' and options on ','; a backslash escapes both.
std::string escape_option(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '\\' || c == ':' || c == ',') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string options_for(const std::vector<std::string>& lower_top_first, const fs::path& upper, const fs::path& work,
                        bool volatile_upper) {
  std::string lowerdir;
  for (const auto& dir : lower_top_first) lowerdir += (lowerdir.empty() ? "" : ":") + escape_option(dir);
  return "lowerdir=" + lowerdir + ",upperdir=" + escape_option(upper.string()) +
         ",workdir=" + escape_option(work.string()) + (volatile_upper ? ",volatile" : "");
}

void make_dir(const fs::path& dir, mode_t mode) {
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) throw_errno("create " + dir.string());
}

size_t page_limit() {
  long page = ::sysconf(_SC_PAGESIZE);
  return static_cast<size_t>(page > 0 ? page : 4096) - 1;
}

// mount(2) copies at most a page of options. Many layers under a long store
// path overflow it; relative to their common directory the names are short.
int mount_overlay(const RootfsPlan& plan, std::string& options) {
  options = plan.overlay_options();
  if (options.size() <= page_limit()) return ::mount("overlay", plan.target.c_str(), "overlay", 0, options.c_str());
  fs::path common = plan.lower.front().parent_path().parent_path();
  std::vector<std::string> relative;
  for (auto it = plan.lower.rbegin(); it != plan.lower.rend(); ++it) {
    if (it->parent_path().parent_path() != common) {
      errno = E2BIG;
      return -1;
    }
    relative.push_back((it->parent_path().filename() / it->filename()).string());
  }
  options = options_for(relative, plan.upper, plan.work, plan.volatile_upper);
  if (options.size() > page_limit()) {
    errno = E2BIG;
    return -1;
  }
  int cwd = ::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cwd < 0) return -1;
  int rc = -1;
  if (::chdir(common.c_str()) == 0) {
    rc = ::mount("overlay", plan.target.c_str(), "overlay", 0, options.c_str());
    int err = errno;
    if (::fchdir(cwd) != 0) {
      ::close(cwd);
      throw_errno("return to the working directory after mounting the rootfs");
    }
    errno = err;
  }
  ::close(cwd);
  return rc;
}

void copy_layers(const RootfsPlan& plan) {
  make_dir(plan.target, 0755);
  for (const auto& layer : plan.lower) apply_layer_copy(layer, plan.target);
  if (plan.id_shift) shift_ownership(plan.target, plan.id_shift);
}

uint32_t shift_by = 0;

int shift_one(const char* path, const struct stat* st, int, FTW*) {
  if (::lchown(path, st->st_uid + shift_by, st->st_gid + shift_by) != 0) return errno;
  // chown clears setuid and setgid; put them back.
  if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) && ::chmod(path, st->st_mode & 07777) != 0)
    return errno;
  return 0;
}

}  // namespace

void shift_ownership(const fs::path& root, uint32_t shift) {
  // nftw has no user pointer; mini shifts one tree at a time.
  shift_by = shift;
  int rc = ::nftw(root.c_str(), shift_one, 64, FTW_PHYS | FTW_MOUNT);
  if (rc != 0) {
    if (rc > 0) errno = rc;
    throw_errno("shift the owners of " + root.string() + " for the user namespace");
  }
}

std::string RootfsPlan::overlay_options() const {
  std::vector<std::string> top_first;
  for (auto it = lower.rbegin(); it != lower.rend(); ++it) top_first.push_back(it->string());
  return options_for(top_first, upper, work, volatile_upper);
}

RootfsPlan plan_rootfs(StorageDriver driver, const std::vector<fs::path>& layers_bottom_first,
                       const fs::path& container_dir) {
  RootfsPlan plan;
  plan.driver = driver;
  plan.lower = layers_bottom_first;
  plan.target = container_dir / "rootfs";
  if (driver == StorageDriver::Overlay) {
    plan.upper = container_dir / "upper";
    plan.work = container_dir / "work";
  }
  return plan;
}

StorageDriver mount_rootfs(RootfsPlan& plan) {
  if (plan.driver == StorageDriver::Overlay && !plan.lower.empty() && plan.id_shift == 0) {
    make_dir(plan.upper, 0755);
    make_dir(plan.work, 0700);
    make_dir(plan.target, 0755);
    std::string options;
    if (mount_overlay(plan, options) == 0) return StorageDriver::Overlay;
    if (plan.volatile_upper && errno == EINVAL) {
      // A kernel without "volatile" (before 5.10): the plain mount.
      plan.volatile_upper = false;
      if (mount_overlay(plan, options) == 0) return StorageDriver::Overlay;
    }
    std::fprintf(stderr, "mini: overlay mount failed (%s); using a copy of the image instead (--storage-driver copy)\n",
                 std::strerror(errno));
    remove_tree(plan.upper);
    remove_tree(plan.work);
  }
  // Also the way for an image without layers: its rootfs is an empty directory.
  plan.driver = StorageDriver::Copy;
  // A restarted container keeps the copy it had, changes included; the
  // marker says the copy was finished.
  if (fs::exists(plan.target.parent_path() / "rootfs.copied")) return StorageDriver::Copy;
  if (fs::exists(plan.target)) remove_tree(plan.target);
  copy_layers(plan);
  fsutil::write_file_atomic(plan.target.parent_path() / "rootfs.copied", "");
  return StorageDriver::Copy;
}

void detach_rootfs(const RootfsPlan& plan) {
  if (plan.driver == StorageDriver::Overlay && !plan.target.empty()) {
    if (::umount2(plan.target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
      throw_errno("unmount " + plan.target.string());
  }
}

void unmount_rootfs(const RootfsPlan& plan) {
  detach_rootfs(plan);
  // remove_tree refuses to cross into anything still mounted below.
  for (const fs::path& dir : {plan.target, plan.upper, plan.work})
    if (!dir.empty()) remove_tree(dir);
  std::error_code ignored;
  if (!plan.target.empty()) fs::remove(plan.target.parent_path() / "rootfs.copied", ignored);
}

}  // namespace mini::store
