#pragma once
// The local content store: content.h's Provider and Ingester over
// blobs/sha256/<hex>, committed the way containerd does it: ingest/<random>
// while hashing -> check size and digest -> fsync -> rename into
// blobs/sha256/<hex> (mode 0444) -> fsync the directory.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/fs_util.h"
#include "store/content.h"
#include "store/digest.h"
#include "store/layout.h"

namespace mini::store {

class ContentStore;

// A write in progress into ingest/<random>/data. Destroying it without
// commit removes the partial file (and releases the blob's lock, if any).
class Ingest final : public Writer {
 public:
  ~Ingest() override;
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;
  void write(const void* data, size_t size);
  void write(std::string_view data) override { write(data.data(), data.size()); }
  uint64_t size() const override { return size_; }
  const fs::path& path() const { return path_; }
  // Commits against what the ingest was opened for (ContentStore::writer).
  std::string commit() override;

 private:
  friend class ContentStore;
  Ingest(const ContentStore& store, fs::path dir, fsutil::UniqueFd dir_lock, fs::path path, fsutil::UniqueFd fd);
  const ContentStore& store_;
  fs::path dir_;
  fsutil::UniqueFd dir_lock_;  // scratch.h: marks the ingest as in progress
  fs::path path_;
  fsutil::UniqueFd fd_;
  Sha256 hash_;
  uint64_t size_ = 0;
  bool committed_ = false;
  Expected expected_;
  std::optional<fsutil::FileLock> blob_lock_;  // locks/blob-<hex>.lock, for writer()
};

class ContentStore final : public Provider, public Ingester {
 public:
  explicit ContentStore(Layout layout);

  // An ingest whose digest is only known once it is written (import).
  std::unique_ptr<Ingest> begin_ingest();
  // Verifies `expected`, then commits. On mismatch throws mini::Error
  // ("digest mismatch: expected X, got Y") and leaves nothing in blobs/.
  // Committing content that already exists is a no-op that returns the digest.
  std::string commit(std::unique_ptr<Ingest> ingest, const Expected& expected = {});
  std::string put(std::string_view data, const Expected& expected = {});

  // Ingester: with a digest, under locks/blob-<hex>.lock until the writer
  // commits or is dropped, so a concurrent mini pulling the same blob waits
  // for this one instead of downloading it again.
  std::unique_ptr<Writer> writer(const Expected& expected) override;
  // Provider.
  std::optional<Info> info(std::string_view digest) const override;
  std::string read(std::string_view digest, uint64_t max_size) const override;
  std::string read(std::string_view digest) const { return read(digest, 64ull << 20); }

  bool has(std::string_view digest) const;
  fs::path blob_path(std::string_view digest) const;
  uint64_t size(std::string_view digest) const;
  void remove(std::string_view digest);
  std::vector<std::string> list() const;  // digests

  const Layout& layout() const { return layout_; }

 private:
  friend class Ingest;
  std::string commit_in_place(Ingest& ingest, const Expected& expected) const;
  Layout layout_;
};

}  // namespace mini::store
