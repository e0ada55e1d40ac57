#pragma once
// The store's overlay format, shared by the two writers of layer trees
// (unpack.cc from tar, layer_copy.cc for the copy driver) and its readers:
// a whiteout is a 0:0 char device; an opaque directory carries the trusted
// xattr (written as root) or the user one (overlayfs' userxattr).
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mini::store {

bool is_whiteout(const struct stat& st);
bool is_opaque_dir(int dirfd);

// The host's root, not root of a user namespace (a rootless mini is that too).
bool running_as_root();
// overlayfs reads trusted.* only with CAP_SYS_ADMIN in the initial
// namespace; unprivileged overlay mounts (userxattr) read user.* instead.
// `user`: the store says so (Layout::user_xattrs).
const char* opaque_xattr(bool user);
// Overlay xattrs from a layer's source would let it fake whiteouts, opaque
// dirs or redirects in the store's format; only the unpacker sets them.
bool is_overlay_xattr(std::string_view name);
// xattrs a filesystem or an unprivileged user can't carry are dropped, not fatal.
bool ignorable_xattr_error(int err);
// Throws for a failed chown unless the IDs can't be represented here:
// without root only our own, and in a user namespace that maps the user
// alone only the user. In a rootless namespace with a subuid range, an
// owner outside it is an error naming `what` (the entry) and the range.
void chown_result(int rc, const std::string& what, uint64_t uid, uint64_t gid);
// /proc/self/fd/DIRFD/NAME: for the l*xattr calls, which take paths only.
std::string proc_path(int dirfd, const std::string& name);

}  // namespace mini::store
