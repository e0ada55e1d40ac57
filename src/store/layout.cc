#include "store/layout.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/error.h"

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

void Layout::create() const {
  make_dirs(root);
  for (const fs::path& dir : {blobs(), ingest(), layers(), containers(), locks()}) make_dirs(dir);
}

}  // namespace mini::store
