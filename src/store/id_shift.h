#pragma once
// --userns=remap without idmapped mounts: the owners of a rootfs copy are
// moved into the container's host id range, so they belong to the
// container's root inside its user namespace.
#include <cstdint>
#include <filesystem>

namespace mini::store {

namespace fs = std::filesystem;

struct IdRangeShift {
  uint32_t start = 0;      // host id of container id 0
  uint32_t count = 65536;  // how many ids are mapped
};

struct ShiftReport {
  uint64_t shifted = 0;  // inodes whose owner moved
  // Inodes owned (uid or gid) outside 0..count-1: the container could never
  // see those owners, so they go to its nobody (65534, or the range's last
  // id), and lose setuid and setgid: a setuid file must not run as an id
  // the container doesn't own.
  uint64_t clamped = 0;
};

// Shifts every inode under `root`, `root` included, exactly once (a file
// with 405 hardlinks moves once, not 405 times). Never follows a symlink
// (chowned with AT_SYMLINK_NOFOLLOW), never opens a device node, FIFO or
// socket (chowned by name from their directory's descriptor), and never
// crosses into another mount. Setuid and setgid bits that chown clears
// come back, except on clamped inodes.
ShiftReport shift_ownership(const fs::path& root, const IdRangeShift& range);

}  // namespace mini::store
