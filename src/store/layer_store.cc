#include "store/layer_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/fs_tree.h"
#include "store/layer_limits.h"
#include "store/scratch.h"
#include "store/unpack.h"

namespace mini::store {

namespace {

constexpr const char* kCompleteMarker = "complete";

// Leftovers of an unpack that died: temp directories for this layer.
void remove_debris(const fs::path& layers, const std::string& hex) {
  std::error_code ec;
  std::vector<fs::path> debris;
  for (const auto& entry : fs::directory_iterator(layers, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(hex + ".tmp-", 0) == 0) debris.push_back(entry.path());
  }
  for (const auto& path : debris) remove_tree(path);
  remove_tree(layers / hex);
}

// The marker must not reach the disk before the files it vouches for.
void sync_filesystem(const fs::path& dir) {
  fsutil::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open " + dir.string());
  if (::syncfs(fd.get()) != 0) throw_errno("sync " + dir.string());
}

}  // namespace

LayerStore::LayerStore(Layout layout) : layout_(std::move(layout)) {}

uint64_t LayerStore::max_bytes() const { return max_bytes_ ? max_bytes_() : kDefaultMaxLayerBytes; }

bool LayerStore::has(const std::string& diff_id) const {
  struct stat st {};
  return is_valid_digest(diff_id) &&
         ::stat((layout_.layers() / digest_hex(diff_id) / kCompleteMarker).c_str(), &st) == 0;
}

fs::path LayerStore::fs_path(const std::string& diff_id) const { return layout_.layers() / digest_hex(diff_id) / "fs"; }

fs::path LayerStore::ensure(const ContentStore& blobs, const std::string& blob_digest, const std::string& diff_id) {
  const std::string hex = digest_hex(diff_id);
  if (has(diff_id)) return fs_path(diff_id);
  uint64_t limit = max_bytes();
  fsutil::FileLock lock(layout_.locks() / ("layer-" + hex + ".lock"));
  if (has(diff_id)) return fs_path(diff_id);
  if (!blobs.has(blob_digest))
    throw Error("layer blob " + blob_digest + " is missing from the store; pull or import the image again");

  remove_debris(layout_.layers(), hex);
  const fs::path final_dir = layout_.layers() / hex;
  const fs::path tmp = layout_.layers() / (hex + ".tmp-" + fsutil::random_hex(6));
  fsutil::UniqueFd in_progress;  // scratch.h
  try {
    in_progress = make_scratch_dir(layout_, tmp);
    if (::mkdir((tmp / "fs").c_str(), 0755) != 0) throw_errno("create " + (tmp / "fs").string());
    UnpackResult result = unpack_layer(blobs.blob_path(blob_digest), tmp / "fs", {limit, layout_.user_xattrs()});
    if (result.diff_id != diff_id)
      throw Error("layer " + blob_digest + " does not match its diff_id: expected " + diff_id + ", got " +
                  result.diff_id);
    sync_filesystem(tmp);
    if (::rename(tmp.c_str(), final_dir.c_str()) != 0) throw_errno("rename " + tmp.string());
  } catch (...) {
    try {
      remove_tree(tmp);
    } catch (const std::exception&) {
      // The original error matters more; the debris goes on the next ensure().
    }
    throw;
  }
  fsutil::write_file_atomic(final_dir / kCompleteMarker, blob_digest + "\n", 0600);
  fsutil::fsync_dir(layout_.layers());
  return final_dir / "fs";
}

std::string LayerStore::unpack_new(const fs::path& archive) {
  uint64_t limit = max_bytes();
  const fs::path tmp = layout_.layers() / ("import-" + fsutil::random_hex(8) + ".tmp");
  std::string diff_id;
  fsutil::UniqueFd in_progress;  // scratch.h
  try {
    in_progress = make_scratch_dir(layout_, tmp);
    if (::mkdir((tmp / "fs").c_str(), 0755) != 0) throw_errno("create " + (tmp / "fs").string());
    diff_id = unpack_layer(archive, tmp / "fs", {limit, layout_.user_xattrs()}).diff_id;
    const std::string hex = digest_hex(diff_id);
    fsutil::FileLock lock(layout_.locks() / ("layer-" + hex + ".lock"));
    if (!has(diff_id)) {
      remove_debris(layout_.layers(), hex);
      sync_filesystem(tmp);
      const fs::path final_dir = layout_.layers() / hex;
      if (::rename(tmp.c_str(), final_dir.c_str()) != 0) throw_errno("rename " + tmp.string());
      fsutil::write_file_atomic(final_dir / kCompleteMarker, diff_id + "\n", 0600);
      fsutil::fsync_dir(layout_.layers());
    }
  } catch (...) {
    try {
      remove_tree(tmp);
    } catch (const std::exception&) {
    }
    throw;
  }
  remove_tree(tmp);
  return diff_id;
}

void LayerStore::remove(const std::string& diff_id) {
  const std::string hex = digest_hex(diff_id);
  fsutil::FileLock lock(layout_.locks() / ("layer-" + hex + ".lock"));
  // Marker first: a removal cut short leaves debris, never a half layer
  // that claims to be complete.
  fs::path marker = layout_.layers() / hex / kCompleteMarker;
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT) throw_errno("remove " + marker.string());
  remove_debris(layout_.layers(), hex);
}

}  // namespace mini::store
