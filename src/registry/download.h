#pragma once
// Streaming a blob into an ingest, resuming with Range requests after a
// dropped or stalled connection. The digest is checked at commit, by the
// content store.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "registry/client.h"
#include "registry/manifest.h"
#include "store/content_store.h"

namespace mini::registry {

struct ContentRange {
  uint64_t first = 0;
  uint64_t last = 0;
  std::optional<uint64_t> total;  // "*" when unknown
};
// "bytes 100-199/1000"; nullopt for anything else.
std::optional<ContentRange> parse_content_range(std::string_view header);

// How many leading bytes of an answer to "Range: bytes=<have>-" to drop
// because the ingest holds them already: all `have` of them when the server
// ignored the range (200), the overlap when its 206 starts earlier. Throws
// mini::Error when a 206 starts past `have` or has no usable Content-Range.
uint64_t resume_skip(uint64_t have, long status, std::string_view content_range);

// A GET that continues where it stopped when the connection drops or stalls.
struct ResumableGet {
  std::string what;              // "blob sha256:...", for messages
  std::optional<uint64_t> size;  // the whole length, when known beforehand
  int attempts = 3;
  // Sends `request` (its Range header and callbacks already set) and returns
  // the answer; adds the URL and whatever authorization is needed.
  std::function<HttpResponse(HttpRequest&)> send;
  // Bytes held so far, and appending more.
  std::function<uint64_t()> held;
  std::function<void(std::string_view)> write;
  // Throws the error for an answer that is neither success nor retryable.
  std::function<void(const HttpResponse&)> fail;
  std::function<void(uint64_t held, uint64_t total)> on_bytes;
  std::function<void(const std::string& reason)> on_retry;
  const std::atomic<bool>* cancelled = nullptr;  // set by another thread to give up
};

// Runs `get` until the body is complete. A retry that made progress does not
// count against `attempts`. Throws mini::Error.
void run_resumable(const ResumableGet& get);

struct BlobDownload {
  std::string repository;
  Descriptor blob;
  std::function<void(uint64_t held, uint64_t total)> on_bytes;
  std::function<void(const std::string& reason)> on_retry;
  const std::atomic<bool>* cancelled = nullptr;
};

// Fills `ingest` until it holds blob.size bytes. The digest is checked when
// the ingest is committed.
void download_blob(RegistryClient& client, HttpClient& http, const BlobDownload& download, store::Ingest& ingest);

}  // namespace mini::registry
