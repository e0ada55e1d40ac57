#pragma once
// --userns=remap with idmapped mounts (Linux 5.12+, under overlayfs 5.19+):
// each layer is seen through a mount that maps its owners into the
// container's host id range, so no copy and no chown of the image is needed.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "common/fs_util.h"

namespace mini::store {

namespace fs = std::filesystem;

// A user namespace whose only use is to carry the mapping container id 0..count-1 ->
// host id start.. (uids and gids alike) for mount_setattr(MOUNT_ATTR_IDMAP).
// Made by a short-lived child that is gone when this returns.
fsutil::UniqueFd make_mapping_userns(uint32_t start, uint32_t count);

// Attaches an idmapped clone of each of `dirs` at `at`/0, `at`/1, ... (open_tree
// OPEN_TREE_CLONE + mount_setattr MOUNT_ATTR_IDMAP + move_mount) and returns
// those mount points, in the order of `dirs`. Throws mini::Error naming the
// step the kernel or the filesystem refused; nothing stays attached then.
std::vector<fs::path> attach_idmapped(const std::vector<fs::path>& dirs, int userns_fd, const fs::path& at);

// The highest uid or gid owning a setuid or setgid regular file in the
// layer directory `layer_fs`, or nullopt when it has none. An idmapped
// mount shows such a file with its bits intact, owned by nobody when the
// owner is outside the range; the kernel then ignores the bits at exec, but
// mini promises they are cleared, so such images take the copy. Cached
// beside the layer (the layer never changes), so only the first remapped
// run of a layer walks it.
std::optional<uint32_t> max_setid_owner(const fs::path& layer_fs);

// Lazily unmounts whatever attach_idmapped left under `at` and removes `at`.
// Once overlayfs is mounted on them it holds its own private clones, so the
// attached ones can go at once. Best effort: what cannot go is left for
// remove_tree, which refuses to cross a mount and says so.
void detach_idmapped(const fs::path& at) noexcept;

}  // namespace mini::store
