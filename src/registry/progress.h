#pragma once
// What a fetch reports as it goes, for the caller to show or not: the
// registry prints nothing itself. `id` is whatever the caller named the
// transfer (a layer's short digest, a file name). Events come from the
// download threads, so a sink must be safe to call from several at once.
#include <cstdint>
#include <string>

namespace mini::registry {

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // The transfer starts.
  virtual void downloading(const std::string& id) { (void)id; }
  // `held` of `total` bytes are in (total 0: unknown).
  virtual void bytes(const std::string& id, uint64_t held, uint64_t total) {
    (void)id, (void)held, (void)total;
  }
  // The connection dropped or stalled; the transfer resumes.
  virtual void retrying(const std::string& id, const std::string& reason) { (void)id, (void)reason; }
  // All bytes are in and are being checked against the digest.
  virtual void verifying(const std::string& id) { (void)id; }
  // In the store (or found there, written by someone else meanwhile).
  virtual void downloaded(const std::string& id) { (void)id; }
};

}  // namespace mini::registry
