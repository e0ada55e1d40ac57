#include "store/image.h"

#include "common/error.h"
#include "store/digest.h"
#include "store/image_config.h"

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
  uint64_t total = 0;
  if (auto config = manifest.find("config"); config != manifest.end() && config->is_object())
    if (auto size = config->find("size"); size != config->end() && size->is_number_unsigned())
      total = size->get<uint64_t>();
  for (const auto& layer : layers) total += layer.size;
  return total;
}

Image load_image(const ContentStore& blobs, const std::string& manifest_digest) {
  nlohmann::json manifest = read_json_blob(blobs, manifest_digest, "manifest");
  auto config = manifest.is_object() ? manifest.find("config") : manifest.end();
  if (config == manifest.end() || !config->is_object() || !config->contains("digest") ||
      !(*config)["digest"].is_string())
    throw Error("image " + manifest_digest + " is malformed: its manifest names no config; pull or import it again");
  const std::string config_digest = (*config)["digest"].get<std::string>();
  nlohmann::json config_doc = read_json_blob(blobs, config_digest, "image config");
  return image_from_documents(manifest_digest, std::move(manifest), std::move(config_doc));
}

Image image_from_documents(const std::string& manifest_digest, nlohmann::json manifest, nlohmann::json config) {
  auto malformed = [&](const std::string& why) {
    return Error("image " + manifest_digest + " is malformed: " + why + "; pull or import it again");
  };
  Image image;
  image.manifest_digest = manifest_digest;
  image.manifest = std::move(manifest);
  image.config = std::move(config);
  // Both documents come from registries and tarballs: every field is checked
  // for its type, so a hostile one gets this error, not a JSON exception.
  if (!image.manifest.is_object() || !image.config.is_object()) throw malformed("a document is not a JSON object");
  const auto& config_ref = image.manifest.value("config", nlohmann::json());
  if (!config_ref.is_object() || !config_ref.contains("digest") || !config_ref["digest"].is_string())
    throw malformed("its manifest names no config");
  image.config_digest = config_ref["digest"].get<std::string>();
  if (!is_valid_digest(image.config_digest)) throw malformed("the config digest is not a sha256 digest");
  if (auto size = config_ref.find("size"); size != config_ref.end() && !size->is_number_unsigned())
    throw malformed("the config size is not a byte count");
  try {
    validate_image_config(image.config);
  } catch (const Error& e) {
    throw Error("image " + manifest_digest + ": " + e.what());
  }
  auto rootfs = image.config.find("rootfs");
  if (rootfs == image.config.end() || !rootfs->is_object() || !rootfs->contains("diff_ids") ||
      !(*rootfs)["diff_ids"].is_array())
    throw malformed("its config has no rootfs.diff_ids");
  const auto& diff_ids = (*rootfs)["diff_ids"];
  auto layers = image.manifest.find("layers");
  if (layers == image.manifest.end() || !layers->is_array()) throw malformed("its manifest has no layer list");
  if (diff_ids.size() != layers->size())
    throw malformed("it has " + std::to_string(layers->size()) + " layers but " + std::to_string(diff_ids.size()) +
                    " diff_ids");
  for (size_t i = 0; i < layers->size(); ++i) {
    const auto& entry = (*layers)[i];
    if (!entry.is_object()) throw malformed("layer " + std::to_string(i) + " is not a descriptor");
    LayerRef layer;
    auto digest = entry.find("digest");
    if (digest == entry.end() || !digest->is_string() || !is_valid_digest(digest->get<std::string>()))
      throw malformed("layer " + std::to_string(i) + " has no sha256 digest");
    layer.digest = digest->get<std::string>();
    if (auto type = entry.find("mediaType"); type != entry.end() && type->is_string())
      layer.media_type = type->get<std::string>();
    if (auto size = entry.find("size"); size != entry.end()) {
      if (!size->is_number_unsigned()) throw malformed("layer " + layer.digest + " has no valid size");
      layer.size = size->get<uint64_t>();
    }
    if (!diff_ids[i].is_string() || !is_valid_digest(diff_ids[i].get<std::string>()))
      throw malformed("diff_id " + std::to_string(i) + " is not a sha256 digest");
    layer.diff_id = diff_ids[i].get<std::string>();
    image.layers.push_back(std::move(layer));
  }
  return image;
}

}  // namespace mini::store
