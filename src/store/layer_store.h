#pragma once
// Unpacked layers: layers/<diff_id hex>/fs holds the files in overlayfs'
// format (whiteouts as 0:0 char devices, opaque dirs as the
// trusted.overlay.opaque xattr, or user.overlay.opaque when not root);
// layers/<hex>/complete is written last. A layer without it is debris.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "store/content_store.h"

namespace mini::store {

class LayerStore {
 public:
  explicit LayerStore(Layout layout);

  // The size limit for one unpacked layer (layer_limits.h; 0 = none). It is
  // asked for only when a layer is unpacked, so that a command unpacking
  // nothing never reads the config file it comes from.
  void set_max_bytes(std::function<uint64_t()> limit) { max_bytes_ = std::move(limit); }
  uint64_t max_bytes() const;

  bool has(const std::string& diff_id) const;  // complete marker present
  fs::path fs_path(const std::string& diff_id) const;
  // Unpacks blob `blob_digest` (tar, tar+gzip, tar+zstd) unless the layer is
  // already complete. Verifies that the uncompressed stream hashes to
  // `diff_id`; on mismatch nothing is left behind. Serialized per layer with a
  // lock so concurrent mini processes unpack once.
  fs::path ensure(const ContentStore& blobs, const std::string& blob_digest, const std::string& diff_id);
  // For import, where the diff_id is only known once the archive has been
  // read: unpacks `archive` (a tar file, possibly compressed, not yet a blob)
  // in one pass and returns its diff_id. An already complete layer is kept.
  std::string unpack_new(const fs::path& archive);
  void remove(const std::string& diff_id);

 private:
  Layout layout_;
  std::function<uint64_t()> max_bytes_;
};

}  // namespace mini::store
