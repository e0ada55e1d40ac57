#pragma once
// `mini pull`: what a Docker-like tool does with a reference. The registry
// resolves it and fetches the layers into the store's ingester; this checks
// what the image asks for against the store's limits and free space, unpacks
// each layer as soon as it is in (downloads and unpacks run in parallel),
// commits the manifests and config last, tags the image and prints Docker's
// progress. Also used by `mini run` for images not yet in the store.
#include <cstdio>
#include <optional>

#include "engine/context.h"
#include "registry/manifest.h"
#include "registry/reference.h"
#include "store/image_index.h"

namespace mini::engine {

struct PullOptions {
  std::optional<registry::Platform> platform;  // default: the host's
  int max_concurrent_downloads = 0;            // 0: the config's (default 3)
  bool quiet = false;                          // print only the full reference
  std::FILE* out = stdout;                     // progress; `mini run` passes stderr
};

// Pulls `ref` and tags it as ref.full(), with the registry settings of
// ctx's config. On failure throws mini::Error and leaves the image index
// untouched; only complete, verified layer blobs stay behind.
store::ImageRecord pull_image(Context& ctx, const registry::Reference& ref, const PullOptions& options);

}  // namespace mini::engine
