#pragma once
// The store's content interfaces: what a fetcher (src/registry) may know of
// the store. A Provider reads verified blobs by digest; an Ingester opens a
// Writer for a blob that is expected to have a digest and size, and the
// Writer's commit is the only way content enters the store, in containerd's
// order: write while hashing -> check size and digest -> fsync -> rename
// into place -> fsync the directory. Nothing half-written is ever visible
// under a digest, and a Writer dropped without commit leaves nothing.
//
// These headers hold no paths, locks or layouts: the local store
// (content_store.h) implements them, and tests may implement them in memory.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mini::store {

// What content is expected to be; a commit that disagrees is refused.
struct Expected {
  std::optional<std::string> digest;  // "sha256:<hex>"
  std::optional<uint64_t> size;
};

struct Info {
  std::string digest;
  uint64_t size = 0;
};

// Bytes appended in order, with the count held so far: what a resumable
// download writes into, whether a blob's ingest or a plain file.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(std::string_view data) = 0;
  // Bytes written so far: where a resumed download continues.
  virtual uint64_t size() const = 0;
};

// A blob being written. Destroying it without commit() removes the partial
// data and releases whatever the ingester held for it.
class Writer : public ByteSink {
 public:
  // Checks the size and digest against what the writer was opened for,
  // then makes the blob durable and visible; returns its digest. Throws
  // mini::Error on a mismatch and leaves nothing behind. Committing content
  // the store has already is a no-op that returns the digest.
  virtual std::string commit() = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  // nullopt when the store has no such blob (or the digest is malformed).
  virtual std::optional<Info> info(std::string_view digest) const = 0;
  // The whole blob, verified against its digest; throws mini::Error when it
  // is missing, larger than max_size, or corrupt.
  virtual std::string read(std::string_view digest, uint64_t max_size) const = 0;
};

class Ingester {
 public:
  virtual ~Ingester() = default;
  // A writer for content expected to be `expected`. With a digest, one
  // writer per digest at a time across processes: a second caller waits for
  // the first, and gets nullptr when the blob is present by then (or was
  // already), so nothing is fetched twice.
  virtual std::unique_ptr<Writer> writer(const Expected& expected) = 0;
};

}  // namespace mini::store
