#pragma once
// The copy storage driver's step: applying one overlay-format layer
// directory onto a target tree the way overlayfs would show it.
#include <filesystem>

namespace mini::store {

// Whiteouts delete, opaque dirs are emptied first, everything else is
// copied preserving mode, owner, times, xattrs, symlinks and hardlinks.
void apply_layer_copy(const std::filesystem::path& layer_dir, const std::filesystem::path& target);

}  // namespace mini::store
