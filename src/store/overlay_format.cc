#include "store/overlay_format.h"

#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

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

bool running_as_root() { return ::geteuid() == 0; }

const char* opaque_xattr() { return running_as_root() ? "trusted.overlay.opaque" : "user.overlay.opaque"; }

bool is_overlay_xattr(std::string_view name) {
  return starts_with(name, "trusted.overlay.") || starts_with(name, "user.overlay.");
}

bool ignorable_xattr_error(int err) {
  return err == ENOTSUP || err == EOPNOTSUPP || err == EPERM || err == EINVAL || err == EACCES;
}

void chown_result(int rc, const std::string& what) {
  if (rc == 0) return;
  if (errno == EINVAL || (errno == EPERM && !running_as_root())) return;
  throw_errno("chown " + what);
}

std::string proc_path(int dirfd, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
}

}  // namespace mini::store
