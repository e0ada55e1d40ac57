#pragma once
// How much a registry may make mini read. Every answer is bounded by what it
// is: a document mini holds in memory has a budget of its own kind, error
// bodies are only read as far as a message needs, and the whole pull has a
// budget that every byte received counts against (resent prefixes, retries
// and redirects included), so no server can make a pull unbounded.
#include <atomic>
#include <cstdint>
#include <string>

#include "common/error.h"

namespace mini::registry {

namespace budget {
// A bearer token answer: Docker Hub's are about 4 KiB.
inline constexpr uint64_t kToken = 256 << 10;
// The body of a refusal, redirect or other non-success answer: only its
// message is shown, so the rest is not read.
inline constexpr uint64_t kErrorBody = 64 << 10;
// Manifests, indexes and configs: containerd's 4 MiB.
inline constexpr uint64_t kManifest = 4 << 20;
inline constexpr uint64_t kIndex = 4 << 20;
inline constexpr uint64_t kConfig = 4 << 20;
// A URL.sha256 file: one line, or a SHA256SUMS of a few hundred.
inline constexpr uint64_t kSha256File = 64 << 10;
// All the headers of one answer.
inline constexpr uint64_t kHeaders = 128 << 10;
}  // namespace budget

// Docker's limit on layers per image (overlay stops near 500).
inline constexpr int kDefaultMaxLayers = 127;
// What one pull may receive in all, unless "max-pull-size" says otherwise.
inline constexpr uint64_t kDefaultMaxPullBytes = 64ull << 30;

// A budget over the network: not worth retrying once spent.
class BudgetError : public Error {
 public:
  using Error::Error;
};

// The bytes one pull has received, shared by its download threads.
class PullBudget {
 public:
  explicit PullBudget(uint64_t limit) : limit_(limit) {}
  // Counts `bytes`; throws BudgetError once the total passes the limit
  // (0: no limit).
  void charge(uint64_t bytes);
  uint64_t used() const { return used_.load(); }
  uint64_t limit() const { return limit_; }

 private:
  uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

}  // namespace mini::registry
