#pragma once
// A layer file as its uncompressed byte stream, block by block.
//
// gzip goes through ISA-L's igzip inflater: on this project's benchmark
// layers it decompresses 3-4 times as fast as zlib, which libarchive uses
// (bench/RESULTS.md). libdeflate is faster still per byte but only
// inflates whole buffers, so a layer would have to sit in memory twice.
// Everything else (plain tar, zstd, xz, bzip2) goes through libarchive's
// filters.
#include <memory>
#include <string>
#include <string_view>

namespace mini::store {

class DecompressedStream {
 public:
  virtual ~DecompressedStream() = default;
  // The next block, valid until the next call; empty at the end of the
  // stream. Throws mini::Error saying what is wrong with the data (the
  // caller names the file).
  virtual std::string_view next() = 0;
};

// Reads `fd` (not owned; must outlive the stream) from its current
// offset. `name` is for messages. Throws mini::Error when the file is
// empty or its format is unknown.
std::unique_ptr<DecompressedStream> open_decompressed(int fd, const std::string& name);

}  // namespace mini::store
