#include "store/image.h"

#include "common/error.h"

namespace mini::store {

namespace {

nlohmann::json read_json_blob(const ContentStore& blobs, const std::string& digest, const char* what) {
  if (!blobs.has(digest))
    throw Error(std::string(what) + " " + digest + " is missing from the store; pull or import the image again");
  try {
    return nlohmann::json::parse(blobs.read(digest, kMaxManifestBytes));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string(what) + " " + digest + " is not valid JSON: " + e.what());
  }
}

}  // namespace

uint64_t Image::content_size() const {
  uint64_t total = manifest.value("/config/size"_json_pointer, uint64_t{0});
  for (const auto& layer : layers) total += layer.size;
  return total;
}

Image load_image(const ContentStore& blobs, const std::string& manifest_digest) {
  Image image;
  image.manifest_digest = manifest_digest;
  image.manifest = read_json_blob(blobs, manifest_digest, "manifest");
  try {
    image.config_digest = image.manifest.at("config").at("digest").get<std::string>();
    image.config = read_json_blob(blobs, image.config_digest, "image config");
    const auto& diff_ids = image.config.at("rootfs").at("diff_ids");
    const auto& layers = image.manifest.at("layers");
    if (diff_ids.size() != layers.size())
      throw Error("image " + manifest_digest + " has " + std::to_string(layers.size()) + " layers but " +
                  std::to_string(diff_ids.size()) + " diff_ids; pull or import it again");
    for (size_t i = 0; i < layers.size(); ++i) {
      LayerRef layer;
      layer.digest = layers[i].at("digest").get<std::string>();
      layer.media_type = layers[i].value("mediaType", "");
      layer.size = layers[i].value("size", uint64_t{0});
      layer.diff_id = diff_ids[i].get<std::string>();
      image.layers.push_back(std::move(layer));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error("image " + manifest_digest + " is malformed: " + e.what());
  }
  return image;
}

}  // namespace mini::store
