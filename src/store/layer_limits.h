#pragma once
// How much one layer may unpack to. Layers come from strangers: a sparse
// file declaring terabytes, or gigabytes of zeros compressed to a few
// megabytes, would otherwise fill the store's disk. The limit counts file
// sizes as declared (a sparse file counts in full, since the copy storage
// driver and `docker export`-style tools would materialize it).
//
// Set it, in bytes or with a unit (Docker's binary units: "64MB" = 64 MiB),
// with MINI_MAX_LAYER_BYTES, or with "max-layer-size" in mini's config file
// (--config, $MINI_CONFIG, /etc/mini/config.json); 0 means no limit.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mini::store {

constexpr uint64_t kDefaultMaxLayerBytes = 32ull << 30;

// "1048576", "512k", "64MB", "20GiB", "1.5g" -> bytes. Throws mini::Error
// naming `what` for anything else.
uint64_t parse_byte_size(std::string_view text, const std::string& what);
// "64.0 MiB", for messages.
std::string format_bytes(uint64_t bytes);

// $MINI_CONFIG, else /etc/mini/config.json.
std::filesystem::path default_config_file();

// MINI_MAX_LAYER_BYTES, else "max-layer-size" in `config_file` when that
// file exists, else kDefaultMaxLayerBytes. Throws mini::Error for a bad value
// or a config file that is not a JSON object.
uint64_t max_layer_bytes(const std::filesystem::path& config_file);

// What to tell a user whose layer hit the limit.
constexpr const char* kLayerLimitHint =
    "raise MINI_MAX_LAYER_BYTES or \"max-layer-size\" in mini's config file if you trust this image";

}  // namespace mini::store
