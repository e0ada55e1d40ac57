// libFuzzer target: what a registry answers for a manifest, and the image
// config it points to. Input: a Content-Type line, then the manifest body;
// an optional line "--config--" separates an image config document. Parsers
// may only throw mini::Error: a JSON library exception escaping them would
// reach the user as a cryptic message, so it aborts here.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "registry/errors.h"
#include "registry/manifest.h"
#include "store/image.h"
#include "store/image_config.h"

namespace {

using mini::Error;
namespace registry = mini::registry;

void try_platforms(const nlohmann::json& index) {
  for (const char* wanted : {"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v5", "windows/amd64"}) {
    try {
      registry::Descriptor chosen = registry::select_manifest(index, registry::parse_platform(wanted));
      (void)chosen.platform->str();
    } catch (const Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view content_type = input.substr(0, newline);
  std::string_view rest = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  constexpr std::string_view kSeparator = "\n--config--\n";
  size_t split = rest.find(kSeparator);
  std::string_view manifest_text = rest.substr(0, split);
  std::string_view config_text = split == std::string_view::npos ? std::string_view() : rest.substr(split + kSeparator.size());

  (void)registry::registry_error_message(manifest_text);
  try {
    (void)registry::parse_platform(content_type);
  } catch (const Error&) {
  }

  nlohmann::json manifest = nlohmann::json::parse(manifest_text, nullptr, false);
  if (manifest.is_discarded()) return 0;
  registry::ManifestKind kind;
  try {
    kind = registry::detect_manifest_kind(content_type, manifest);
  } catch (const Error&) {
    return 0;
  }
  if (kind == registry::ManifestKind::Index) {
    try_platforms(manifest);
    return 0;
  }
  size_t layer_count = 0;
  try {
    layer_count = registry::parse_image_manifest(manifest).layers.size();
  } catch (const Error&) {
  }
  nlohmann::json config = nlohmann::json::parse(config_text, nullptr, false);
  if (config.is_discarded()) return 0;
  try {
    // As a pull checks it: the store's type checks, then what the pull reads.
    mini::store::validate_image_config(config);
    registry::ImageConfigInfo info = registry::parse_image_config(config, layer_count);
    (void)info.platform.str();
  } catch (const Error&) {
  }
  try {
    mini::store::Image image = mini::store::image_from_documents("sha256:fuzz", manifest, config);
    (void)image.content_size();
  } catch (const Error&) {
  }
  return 0;
}
