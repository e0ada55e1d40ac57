#pragma once
// Content-addressed blob store, committed the way containerd does it:
// ingest/<random> while hashing -> check size and digest -> fsync -> rename
// into blobs/sha256/<hex> (mode 0444) -> fsync the directory.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/fs_util.h"
#include "store/digest.h"
#include "store/layout.h"

namespace mini::store {

struct Expected {
  std::optional<std::string> digest;  // "sha256:<hex>"
  std::optional<uint64_t> size;
};

class ContentStore;

// A write in progress. Destroying it without commit removes the partial file.
class Ingest {
 public:
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;
  void write(const void* data, size_t size);
  void write(std::string_view data) { write(data.data(), data.size()); }
  uint64_t size() const { return size_; }
  const fs::path& path() const { return path_; }

 private:
  friend class ContentStore;
  Ingest(fs::path dir, fsutil::UniqueFd dir_lock, fs::path path, fsutil::UniqueFd fd);
  fs::path dir_;
  fsutil::UniqueFd dir_lock_;  // scratch.h: marks the ingest as in progress
  fs::path path_;
  fsutil::UniqueFd fd_;
  Sha256 hash_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

class ContentStore {
 public:
  explicit ContentStore(Layout layout);

  std::unique_ptr<Ingest> begin_ingest();
  // Verifies `expected`, then commits. On mismatch throws mini::Error
  // ("digest mismatch: expected X, got Y") and leaves nothing in blobs/.
  // Committing content that already exists is a no-op that returns the digest.
  std::string commit(std::unique_ptr<Ingest> ingest, const Expected& expected = {});
  std::string put(std::string_view data, const Expected& expected = {});

  bool has(std::string_view digest) const;
  fs::path blob_path(std::string_view digest) const;
  std::string read(std::string_view digest, uint64_t max_size = 64ull << 20) const;
  uint64_t size(std::string_view digest) const;
  void remove(std::string_view digest);
  std::vector<std::string> list() const;  // digests

  const Layout& layout() const { return layout_; }

 private:
  Layout layout_;
};

}  // namespace mini::store
