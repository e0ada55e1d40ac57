#include "store/overlay_format.h"

#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"
#include "common/identity.h"

namespace mini::store {

namespace {
bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
}  // namespace

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

bool is_opaque_dir(int dirfd) {
  char value[4];
  for (const char* key : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
    ssize_t n = ::fgetxattr(dirfd, key, value, sizeof value);
    if (n == 1 && value[0] == 'y') return true;
  }
  return false;
}

// Root of the host, not of a user namespace (where a rootless mini is root too).
bool running_as_root() { return ::geteuid() == 0 && !identity::in_user_namespace(); }

const char* opaque_xattr(bool user) { return user ? "user.overlay.opaque" : "trusted.overlay.opaque"; }

bool is_overlay_xattr(std::string_view name) {
  return starts_with(name, "trusted.overlay.") || starts_with(name, "user.overlay.");
}

bool ignorable_xattr_error(int err) {
  return err == ENOTSUP || err == EOPNOTSUPP || err == EPERM || err == EINVAL || err == EACCES;
}

void chown_result(int rc, const std::string& what, uint64_t uid, uint64_t gid) {
  if (rc == 0) return;
  if (errno == EINVAL && identity::in_user_namespace()) {
    const identity::IdMap& map = identity::uid_map();
    // A rootless namespace without a subuid range maps the user alone: the
    // file stays the user's, which mini said once (rootless.h).
    if (map.size() == 1 && map[0].count == 1) return;
    // With a range, an owner past it would silently become someone else
    // (podman#12715); refuse, naming the file and the range.
    throw Error("layer entry " + what + " is owned by " + std::to_string(uid) + ":" + std::to_string(gid) +
                ", outside the ids this user namespace maps (uid " + identity::describe_inside(map) + ", gid " +
                identity::describe_inside(identity::gid_map()) +
                "); give your user a larger range in /etc/subuid and /etc/subgid");
  }
  // Without root only our own IDs are possible; an ID the user namespace
  // doesn't map can't be represented either way.
  if (errno == EINVAL || (errno == EPERM && !running_as_root())) return;
  throw_errno("chown " + what);
}

std::string proc_path(int dirfd, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
}

}  // namespace mini::store
