#pragma once
// Tar layer unpacking with libarchive, safe against hostile archives, into
// the store's overlay format (overlay_format.h).
#include <cstdint>
#include <filesystem>
#include <string>

namespace mini::store {

namespace fs = std::filesystem;

struct UnpackOptions {
  // Refuse archives whose unpacked size exceeds this (0 = unlimited).
  uint64_t max_bytes = 0;
  // Opaque directories carry user.overlay.opaque (a rootless store,
  // Layout::user_xattrs) instead of trusted.overlay.opaque.
  bool user_xattrs = false;
};

struct UnpackResult {
  std::string diff_id;  // sha256 of the uncompressed tar stream
  uint64_t bytes = 0;   // file content bytes written
};

// Unpacks `archive` (plain tar or any compression libarchive detects) into
// the existing empty directory `dest`. Entries are written relative to
// `dest` with openat-style resolution that never leaves it: "..", absolute
// paths, writes through symlinks and hardlinks to outside targets are refused
// with mini::Error. OCI whiteouts become overlayfs whiteouts:
//   .wh.NAME       -> char device 0:0 named NAME
//   .wh..wh..opq   -> opaque xattr on the containing directory
UnpackResult unpack_layer(const fs::path& archive, const fs::path& dest, const UnpackOptions& options = {});

}  // namespace mini::store
