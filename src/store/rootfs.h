#pragma once
// Composes a container's root filesystem from unpacked layers.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mini::store {

namespace fs = std::filesystem;

enum class StorageDriver { Overlay, Copy };

struct RootfsPlan {
  StorageDriver driver;
  std::vector<fs::path> lower;  // bottom layer first
  fs::path upper, work;         // overlay only
  fs::path target;              // the directory the rootfs appears at
  // --userns=remap: every owner in the copy moves up by this much, so the
  // files belong to the container's root inside its user namespace.
  uint32_t id_shift = 0;
  // An upper layer that dies with the container (--rm): mounted with
  // overlayfs's "volatile", so neither fsync inside nor the unmount at the
  // end syncs the store's filesystem. Kernels before 5.10 mount without it.
  bool volatile_upper = false;
  // The overlay mount options, e.g. "lowerdir=top:...:bottom,upperdir=..,workdir=..".
  std::string overlay_options() const;
};

// Plans the rootfs for container directory `container_dir` (creates nothing).
RootfsPlan plan_rootfs(StorageDriver driver, const std::vector<fs::path>& layers_bottom_first,
                       const fs::path& container_dir);

// Moves every owner under `root` up by `shift` (symlinks included, without
// following them), keeping setuid and setgid bits.
void shift_ownership(const fs::path& root, uint32_t shift);

// Mounts or copies (always a copy with an id_shift). If the overlay mount fails, falls back to a copy, prints
// a one-line notice to stderr and returns the driver actually used.
StorageDriver mount_rootfs(RootfsPlan& plan);
// Unmounts an overlay but keeps upper/ and the copy, so a stopped
// container keeps its changes until it is removed.
void detach_rootfs(const RootfsPlan& plan);
// Unmounts (overlay) and removes what mount_rootfs created.
void unmount_rootfs(const RootfsPlan& plan);

}  // namespace mini::store
