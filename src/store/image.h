#pragma once
// An image as the store holds it: manifest + config + layer list, all
// read back from verified blobs.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/content_store.h"

namespace mini::store {

struct LayerRef {
  std::string digest;      // compressed blob
  std::string media_type;
  uint64_t size = 0;
  std::string diff_id;     // uncompressed, from the config's rootfs.diff_ids
};

struct Image {
  std::string manifest_digest;
  std::string config_digest;
  nlohmann::json manifest;
  nlohmann::json config;  // the whole image config document
  std::vector<LayerRef> layers;  // bottom first

  uint64_t content_size() const;  // config + compressed layers
};

// Manifests and configs larger than this are refused (hostile registries).
constexpr uint64_t kMaxManifestBytes = 4ull << 20;

// Throws mini::Error when a blob is missing or the documents disagree
// (layer count vs diff_ids), with a hint to pull or import again.
Image load_image(const ContentStore& blobs, const std::string& manifest_digest);

// The pure half of load_image: an Image from a manifest and its config
// document, both already read. Throws mini::Error for anything malformed,
// never a JSON library exception.
Image image_from_documents(const std::string& manifest_digest, nlohmann::json manifest, nlohmann::json config);

}  // namespace mini::store
