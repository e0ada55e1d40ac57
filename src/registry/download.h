#pragma once
// Streaming a blob into the store's ingester (store/content.h), resuming
// with Range requests after a dropped or stalled connection. The digest is
// checked at commit, by the store.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/progress.h"
#include "store/content.h"

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
  // Without a size: the most the body may be, and what to say past it.
  std::optional<uint64_t> max_bytes;
  std::string limit_hint;
  int attempts = 3;
  // Each request's deadline: request_seconds plus what is left at
  // min_bytes_per_second.
  Timeouts timeouts;
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

// Runs `get` until the body is complete. A retry after real progress (at
// least resume_progress_bytes) does not count against `attempts`; one that
// brought less does, and kMaxResumes requests end it in any case, so a
// server serving a byte per request can't keep a pull going. Throws
// mini::Error.
void run_resumable(const ResumableGet& get);

// A body this size is fetched in at most 128 requests that count as
// progress: each must bring 1/128 of it (64 KiB at least, never more than
// what is left). `total` 0: unknown.
uint64_t resume_progress_bytes(uint64_t total, uint64_t have);
inline constexpr int kMaxResumes = 128;

struct BlobDownload {
  std::string repository;
  Descriptor blob;
  std::function<void(uint64_t held, uint64_t total)> on_bytes;
  std::function<void(const std::string& reason)> on_retry;
  const std::atomic<bool>* cancelled = nullptr;
};

// Fills `sink` until it holds blob.size bytes. The digest is checked when
// the writer is committed.
void download_blob(RegistryClient& client, HttpClient& http, const BlobDownload& download, store::ByteSink& sink);

struct BlobFetch {
  std::string repository;
  Descriptor blob;
  std::string id;  // what progress events name it
  const std::atomic<bool>* cancelled = nullptr;
};

// Downloads `fetch.blob` into a writer of `ingester` and commits it against
// its digest and size, unless the ingester has it already (or another
// process writes it meanwhile: the ingester makes this one wait). Throws
// mini::Error; a failed fetch leaves nothing in the store.
void fetch_blob(RegistryClient& client, HttpClient& http, const BlobFetch& fetch, store::Ingester& ingester,
                ProgressSink& progress);

}  // namespace mini::registry
