#pragma once
// Where things live under the store root (--root, MINI_ROOT, /var/lib/mini).
#include <filesystem>

namespace mini::store {

namespace fs = std::filesystem;

struct Layout {
  fs::path root;

  fs::path blobs() const { return root / "blobs" / "sha256"; }
  fs::path ingest() const { return root / "ingest"; }
  fs::path layers() const { return root / "layers"; }
  fs::path containers() const { return root / "containers"; }
  fs::path locks() const { return root / "locks"; }
  fs::path images_file() const { return root / "images.json"; }

  // Which xattrs mark the layers' opaque directories: "trusted" (a store
  // root unpacked) or "user" (a rootless store, read by overlayfs mounted
  // with userxattr). Recorded once, when the store is made; a store from
  // before the record is root's.
  fs::path format_file() const { return root / "overlay-xattrs"; }
  bool user_xattrs() const;
  // Creates every directory above (0700 for the root itself) and the
  // format record.
  void create() const;
};

}  // namespace mini::store
