#pragma once
// `mini pull`: reference -> manifest (via the platform's entry of an index)
// -> config -> layers, all verified into the content store, then unpacked
// and tagged. Also used by `mini run` for images not yet in the store.
#include <cstdio>
#include <optional>
#include <string>

#include "registry/config.h"
#include "registry/manifest.h"
#include "registry/reference.h"
#include "store/content_store.h"
#include "store/image_index.h"
#include "store/layer_store.h"

namespace mini::registry {

struct PullStores {
  store::ContentStore& blobs;
  store::LayerStore& layers;
  store::ImageIndex& images;
};

struct PullOptions {
  std::optional<Platform> platform;  // default: the host's
  int max_concurrent_downloads = 0;  // 0: the config's (default 3)
  bool quiet = false;                // print only the full reference
  RegistryConfig config;             // mirrors, downloads, deadlines, budgets
  std::FILE* out = stdout;           // progress; `mini run` passes stderr
};

// Pulls `ref` and tags it as ref.full(). Prints Docker's progress and
// closing lines to options.out. On failure throws mini::Error and leaves the
// image index untouched; only complete, verified layer blobs stay behind.
store::ImageRecord pull_image(const PullStores& stores, const Reference& ref, const PullOptions& options);

}  // namespace mini::registry
