#pragma once
// How much one layer may unpack to. Layers come from strangers: a sparse
// file declaring terabytes, or gigabytes of zeros compressed to a few
// megabytes, would otherwise fill the store's disk. The limit counts file
// sizes as declared (a sparse file counts in full, since the copy storage
// driver and `docker export`-style tools would materialize it).
//
// The store is told the limit (LayerStore::set_max_bytes); it comes from
// MINI_MAX_LAYER_BYTES or "max-layer-size" in mini's config file
// (config/config.h); 0 means no limit.
#include <cstdint>

#include "config/config.h"

namespace mini::store {

// Without a configured limit: the config file's default, defined there once.
constexpr uint64_t kDefaultMaxLayerBytes = config::StoreLimits{}.max_layer_bytes;

// What to tell a user whose layer hit the limit.
constexpr const char* kLayerLimitHint =
    "raise MINI_MAX_LAYER_BYTES or \"max-layer-size\" in mini's config file if you trust this image";

}  // namespace mini::store
