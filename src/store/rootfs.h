#pragma once
// Composes a container's root filesystem from unpacked layers.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mini::store {

namespace fs = std::filesystem;

// FuseOverlay: fuse-overlayfs, for a rootless store where the kernel
// refuses an overlay mount in the user namespace.
enum class StorageDriver { Overlay, FuseOverlay, Copy };

// "overlay", "fuse-overlayfs", "copy": as records and inspect name them.
const char* driver_name(StorageDriver driver);
// The reverse; "" and unknown names are overlay.
StorageDriver driver_from_name(const std::string& name);

struct RootfsPlan {
  StorageDriver driver;
  std::vector<fs::path> lower;  // bottom layer first
  fs::path upper, work;         // overlay only
  fs::path target;              // the directory the rootfs appears at
  // --userns=remap: container ids 0..id_count-1 are host ids id_shift..,
  // so the image's files must appear owned that much higher. With idmapped
  // mounts the layers are mapped as they are mounted; otherwise the copy's
  // owners are shifted (shift_ownership).
  uint32_t id_shift = 0;
  uint32_t id_count = 65536;
  // An upper layer that dies with the container (--rm): mounted with
  // overlayfs's "volatile", so neither fsync inside nor the unmount at the
  // end syncs the store's filesystem. Kernels before 5.10 mount without it.
  bool volatile_upper = false;
  // A rootless store (Layout::user_xattrs): opaque directories carry
  // user.overlay.opaque, which overlayfs reads when mounted with userxattr
  // (kernel 5.11, needed to mount it in a user namespace at all).
  bool userxattr = false;
  // The overlay mount options, e.g. "lowerdir=top:...:bottom,upperdir=..,workdir=..".
  std::string overlay_options() const;
};

// Plans the rootfs for container directory `container_dir` (creates nothing).
RootfsPlan plan_rootfs(StorageDriver driver, const std::vector<fs::path>& layers_bottom_first,
                       const fs::path& container_dir);

// Mounts or copies. A rootless plan (userxattr) whose overlay mount the
// kernel refuses tries fuse-overlayfs next, then the copy. With an id_shift, the overlay's layers are idmapped
// mounts; where the kernel or the store's filesystem refuses those, a
// shifted copy. If the overlay mount fails, falls back to a copy, prints a
// one-line notice saying why to stderr and returns the driver actually used.
StorageDriver mount_rootfs(RootfsPlan& plan);
// Unmounts an overlay but keeps upper/ and the copy, so a stopped
// container keeps its changes until it is removed.
void detach_rootfs(const RootfsPlan& plan);
// Unmounts (overlay) and removes what mount_rootfs created.
void unmount_rootfs(const RootfsPlan& plan);

}  // namespace mini::store
