#pragma once
// Reads a file of an image as the container will see it, before any rootfs
// is mounted: the unpacked layers stacked the way overlayfs stacks them.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/contained_file.h"

namespace mini::store {

namespace fs = std::filesystem;

// `path` (e.g. "/etc/passwd") in the merged view of the overlay-format layer
// directories: the topmost layer that has a name wins, a whiteout (0:0
// character device) hides it and everything below, an opaque directory
// hides the lower layers' entries, and a directory merges with the
// directories of the same name below it. Symlinks are followed in the
// merged view, as the container resolves them (so a top layer's
// /etc/passwd -> passwd.real finds passwd.real in a lower layer), with ".."
// and absolute targets stopping at the image's root; at most 40 of them.
// Every step is openat relative to a layer directory, never a path string,
// and the file itself is read by read_contained_file's rules (regular files
// only, bounded, nothing opened that could block). nullopt when absent.
std::optional<std::string> read_layered_file(const std::vector<fs::path>& layers_bottom_first, const std::string& path,
                                             const ContainedRead& how);

}  // namespace mini::store
