#include "store/layout.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/error.h"
#include "common/fs_util.h"
#include "common/identity.h"

namespace mini::store {

namespace {

// mkdir -p with 0700 for every directory created: the store holds setuid
// binaries from images, so nobody else may traverse into it.
void make_dirs(const fs::path& dir) {
  if (dir.empty()) return;
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw Error(dir.string() + " exists and is not a directory; move it away or use --root");
    return;
  }
  if (dir.has_parent_path() && dir.parent_path() != dir) make_dirs(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("create store directory " + dir.string());
}

}  // namespace

bool Layout::user_xattrs() const {
  try {
    return fsutil::read_file(format_file(), 64) == "user\n";
  } catch (const Error&) {
    return false;
  }
}

void Layout::create() const {
  make_dirs(root);
  for (const fs::path& dir : {blobs(), ingest(), layers(), containers(), locks()}) make_dirs(dir);
  struct stat st {};
  if (::stat(format_file().c_str(), &st) != 0) {
    // Inside a user namespace trusted.* can't be written; user.* is what
    // overlayfs reads there.
    bool user = identity::in_user_namespace() || identity::rootless();
    fsutil::write_file_atomic(format_file(), user ? "user\n" : "trusted\n", 0644);
  }
}

}  // namespace mini::store
