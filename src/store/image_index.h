#pragma once
// images.json: NAME:TAG -> manifest digest. Every update happens under
// locks/images.lock and is written atomically (temp file + rename).
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "store/layout.h"

namespace mini::store {

struct ImageRecord {
  std::string manifest_digest;  // the platform manifest actually used
  std::string repo_digest;      // what the reference resolved to (index digest for multi-arch); may be empty
  std::string created;          // RFC 3339, when it was recorded
};

class ImageIndex {
 public:
  explicit ImageIndex(Layout layout);

  // Keys are normalized references ("docker.io/library/alpine:3.20").
  std::map<std::string, ImageRecord> load() const;
  std::optional<ImageRecord> find(const std::string& name) const;
  void set(const std::string& name, const ImageRecord& record);
  bool remove(const std::string& name);
  // Runs `change` on the current map under the lock and writes the result.
  void update(const std::function<void(std::map<std::string, ImageRecord>&)>& change);

 private:
  Layout layout_;
};

}  // namespace mini::store
