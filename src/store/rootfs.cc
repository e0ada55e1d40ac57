#include "store/rootfs.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/fs_tree.h"
#include "store/id_shift.h"
#include "store/idmap.h"
#include "store/layer_copy.h"

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
                        bool volatile_upper, bool userxattr) {
  std::string lowerdir;
  for (const auto& dir : lower_top_first) lowerdir += (lowerdir.empty() ? "" : ":") + escape_option(dir);
  return "lowerdir=" + lowerdir + ",upperdir=" + escape_option(upper.string()) +
         ",workdir=" + escape_option(work.string()) + (volatile_upper ? ",volatile" : "") +
         (userxattr ? ",userxattr" : "");
}

void make_dir(const fs::path& dir, mode_t mode) {
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) throw_errno("create " + dir.string());
}

// The short layer names of a rootfs with more layers than mount(2)'s options hold.
constexpr const char* kShortLayerNames = "l";

size_t page_limit() {
  long page = ::sysconf(_SC_PAGESIZE);
  return static_cast<size_t>(page > 0 ? page : 4096) - 1;
}

// overlayfs's OVL_MAX_STACK: the most lower layers one mount takes.
constexpr size_t kMaxOverlayLayers = 500;

// Why the overlay mount failed, in words a user can act on.
std::string overlay_failure(int err, size_t layers) {
  if (err == E2BIG) return "the kernel's overlayfs stacks at most " + std::to_string(kMaxOverlayLayers) +
                           " layers and this image has " + std::to_string(layers);
  if (err == ENODEV) return "this kernel has no overlayfs (modprobe overlay)";
  if (err == EINVAL) return "the store's filesystem can't hold an overlay upper layer (" + std::string(std::strerror(err)) + ")";
  return std::strerror(err);
}

// mount(2) copies at most a page of options, which a long store path fills
// after a dozen layers. As Docker's overlay2 does with its l/ directory,
// the layers are then named by short symlinks in a directory of the
// container's, and mounted from there: 128 layers take under a kilobyte.
int mount_overlay(const RootfsPlan& plan, std::string& options) {
  if (plan.lower.size() > kMaxOverlayLayers) {
    errno = E2BIG;
    return -1;
  }
  options = plan.overlay_options();
  if (options.size() <= page_limit()) return ::mount("overlay", plan.target.c_str(), "overlay", 0, options.c_str());
  const fs::path short_names = plan.target.parent_path() / kShortLayerNames;
  if (fs::exists(short_names)) remove_tree(short_names);
  make_dir(short_names, 0700);
  std::vector<std::string> relative;
  for (size_t i = plan.lower.size(); i-- > 0;) {
    std::string name = std::to_string(i);
    if (::symlink(plan.lower[i].c_str(), (short_names / name).c_str()) != 0)
      throw_errno("link layer " + plan.lower[i].string() + " into " + short_names.string());
    relative.push_back(std::move(name));
  }
  options = options_for(relative, plan.upper, plan.work, plan.volatile_upper, plan.userxattr);
  if (options.size() > page_limit()) {
    errno = E2BIG;
    return -1;
  }
  int cwd = ::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cwd < 0) return -1;
  int rc = -1;
  if (::chdir(short_names.c_str()) == 0) {
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
  if (!plan.id_shift) return;
  ShiftReport report = shift_ownership(plan.target, {plan.id_shift, plan.id_count});
  if (report.clamped)
    std::fprintf(stderr, "mini: %llu files of the image are owned by ids outside the container's range; they now "
                 "belong to its nobody, without setuid or setgid\n", static_cast<unsigned long long>(report.clamped));
}

// Where the idmapped layers of a remapped overlay are attached while it
// is mounted.
fs::path idmap_dir(const RootfsPlan& plan) { return plan.target.parent_path() / "idmap"; }

// Mounts the overlay of an id_shift plan over idmapped layers. False, with
// `why`, when the kernel or the filesystem refuses idmapped mounts; nothing
// stays mounted then.
bool mount_idmapped_overlay(RootfsPlan& plan, std::string& why) {
  // overlayfs holds private clones of its layers once mounted: the attached
  // ones go when this returns, however it returns.
  struct Detach {
    fs::path at;
    ~Detach() { detach_idmapped(at); }
  } detach{idmap_dir(plan)};
  RootfsPlan mapped = plan;
  try {
    for (const auto& layer : plan.lower)
      if (auto owner = max_setid_owner(layer); owner && *owner >= plan.id_count) {
        why = "the image has setuid or setgid files owned by ids outside the container's range, whose bits the copy "
              "clears";
        return false;
      }
    fsutil::UniqueFd userns = make_mapping_userns(plan.id_shift, plan.id_count);
    mapped.lower = attach_idmapped(plan.lower, userns.get(), detach.at);
  } catch (const Error& e) {
    why = e.what();
    return false;
  }
  bool fresh_upper = !fs::exists(plan.upper);
  make_dir(plan.upper, 0755);
  make_dir(plan.work, 0700);
  make_dir(plan.target, 0755);
  // The merged root takes the upper directory's owner: the container's root.
  if (fresh_upper && ::chown(plan.upper.c_str(), plan.id_shift, plan.id_shift) != 0)
    throw_errno("chown " + plan.upper.string());
  std::string options;
  int rc = mount_overlay(mapped, options);
  if (rc != 0 && mapped.volatile_upper && errno == EINVAL) {
    mapped.volatile_upper = plan.volatile_upper = false;
    rc = mount_overlay(mapped, options);
  }
  if (rc != 0) {
    why = std::string("overlay on idmapped layers: ") + std::strerror(errno);
    return false;
  }
  return true;
}


// fuse-overlayfs with the same layers (it reads 0:0 whiteouts and
// user.overlay.opaque too). It daemonizes once the mount is up; its exit
// status says whether it is. "" on success, else why not.
std::string mount_fuse_overlay(const RootfsPlan& plan) {
  if (plan.lower.size() > kMaxOverlayLayers) return "too many layers";
  make_dir(plan.upper, 0755);
  make_dir(plan.work, 0700);
  make_dir(plan.target, 0755);
  std::vector<std::string> top_first;
  for (auto it = plan.lower.rbegin(); it != plan.lower.rend(); ++it) top_first.push_back(it->string());
  std::string options = options_for(top_first, plan.upper, plan.work, false, false);
  std::vector<std::string> args = {"fuse-overlayfs", "-o", options, plan.target.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return std::strerror(errno);
  if (pid == 0) {
    // It daemonizes: nothing of ours may stay open in it (a monitor's ready pipe).
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
    }
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return std::strerror(errno);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return "fuse-overlayfs is not installed (apt install fuse-overlayfs)";
  return "fuse-overlayfs failed (is /dev/fuse there?)";
}

}  // namespace

std::string RootfsPlan::overlay_options() const {
  std::vector<std::string> top_first;
  for (auto it = lower.rbegin(); it != lower.rend(); ++it) top_first.push_back(it->string());
  return options_for(top_first, upper, work, volatile_upper, userxattr);
}

const char* driver_name(StorageDriver driver) {
  switch (driver) {
    case StorageDriver::Overlay: return "overlay";
    case StorageDriver::FuseOverlay: return "fuse-overlayfs";
    case StorageDriver::Copy: return "copy";
  }
  return "overlay";
}

StorageDriver driver_from_name(const std::string& name) {
  if (name == "copy") return StorageDriver::Copy;
  if (name == "fuse-overlayfs") return StorageDriver::FuseOverlay;
  return StorageDriver::Overlay;
}

RootfsPlan plan_rootfs(StorageDriver driver, const std::vector<fs::path>& layers_bottom_first,
                       const fs::path& container_dir) {
  RootfsPlan plan;
  plan.driver = driver;
  // An image may list one layer twice; overlayfs refuses a directory that
  // appears twice (ELOOP). Only the topmost occurrence counts: every path a
  // lower copy holds, the upper one holds again, and its whiteouts and
  // opaque directories hide at least what the lower copy's hid.
  for (size_t i = 0; i < layers_bottom_first.size(); ++i) {
    const auto& layer = layers_bottom_first[i];
    if (std::find(layers_bottom_first.begin() + i + 1, layers_bottom_first.end(), layer) == layers_bottom_first.end())
      plan.lower.push_back(layer);
  }
  plan.target = container_dir / "rootfs";
  if (driver != StorageDriver::Copy) {
    plan.upper = container_dir / "upper";
    plan.work = container_dir / "work";
  }
  return plan;
}

StorageDriver mount_rootfs(RootfsPlan& plan) {
  if (plan.driver == StorageDriver::Overlay && !plan.lower.empty() && plan.id_shift != 0) {
    std::string why;
    if (mount_idmapped_overlay(plan, why)) return StorageDriver::Overlay;
    std::fprintf(stderr, "mini: --userns=remap uses a copy of the image with shifted owners, not idmapped layers: %s\n",
                 why.c_str());
    remove_tree(plan.upper);
    remove_tree(plan.work);
  }
  std::string fuse_why;
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
    std::string why = overlay_failure(errno, plan.lower.size());
    if (plan.userxattr) {
      // Rootless: a kernel before 5.11 (or one that forbids overlay in user
      // namespaces) may still let fuse-overlayfs mount the same layers.
      fuse_why = mount_fuse_overlay(plan);
      if (fuse_why.empty()) {
        std::fprintf(stderr, "mini: the kernel refused an overlay mount in the user namespace (%s); using "
                     "fuse-overlayfs\n", why.c_str());
        return StorageDriver::FuseOverlay;
      }
      why += "; " + fuse_why;
    }
    std::fprintf(stderr, "mini: overlay mount failed: %s; using a copy of the image instead (--storage-driver copy)\n",
                 why.c_str());
    remove_tree(plan.upper);
    remove_tree(plan.work);
  } else if (plan.driver == StorageDriver::FuseOverlay && !plan.lower.empty()) {
    fuse_why = mount_fuse_overlay(plan);
    if (fuse_why.empty()) return StorageDriver::FuseOverlay;
    std::fprintf(stderr, "mini: %s; using a copy of the image instead (--storage-driver copy)\n", fuse_why.c_str());
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
  // fuse-overlayfs ends when its mount goes.
  if (plan.driver != StorageDriver::Copy && !plan.target.empty()) {
    if (::umount2(plan.target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
      throw_errno("unmount " + plan.target.string());
  }
}

void unmount_rootfs(const RootfsPlan& plan) {
  detach_rootfs(plan);
  // Left attached only by a mini killed while it mounted a remapped overlay.
  if (!plan.target.empty()) detach_idmapped(idmap_dir(plan));
  // remove_tree refuses to cross into anything still mounted below.
  for (const fs::path& dir : {plan.target, plan.upper, plan.work})
    if (!dir.empty()) remove_tree(dir);
  if (!plan.target.empty() && fs::exists(plan.target.parent_path() / kShortLayerNames))
    remove_tree(plan.target.parent_path() / kShortLayerNames);
  std::error_code ignored;
  if (!plan.target.empty()) fs::remove(plan.target.parent_path() / "rootfs.copied", ignored);
}

}  // namespace mini::store
