#pragma once
// Manifest media types, parsing and platform selection.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mini::registry {

namespace media {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
}  // namespace media

// The Accept header for manifest requests: the four formats mini reads.
std::string manifest_accept_header();

enum class ManifestKind { Index, Image };

// Decides from the Content-Type, else the document's own mediaType, else its
// shape (registries sometimes answer application/json). Throws mini::Error
// for schema1 and anything that is not an image.
ManifestKind detect_manifest_kind(std::string_view content_type, const nlohmann::json& doc);

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;

  std::string str() const;  // "linux/arm64/v8"
  bool operator==(const Platform&) const = default;
};

// GOOS/GOARCH names with containerd's aliases folded in: x86_64 -> amd64,
// aarch64 -> arm64, arm64 always variant v8, arm defaults to v7.
Platform normalize_platform(Platform platform);
// "os/arch[/variant]", normalized; throws mini::Error on other shapes.
Platform parse_platform(std::string_view text);
// This machine's platform (linux/<uname -m> normalized).
Platform host_platform();

struct Descriptor {
  std::string media_type;
  std::string digest;
  uint64_t size = 0;
  std::optional<Platform> platform;
};

// The index entry to pull for `want`: an exact match, or for 32-bit arm the
// closest older variant the machine runs. Throws mini::Error listing the
// platforms the index offers when none fits.
Descriptor select_manifest(const nlohmann::json& index, const Platform& want);

struct ImageManifest {
  Descriptor config;
  std::vector<Descriptor> layers;  // bottom first
};

// Validates digests, sizes and media types (layers must be tar, tar+gzip or
// tar+zstd; the config an image config) and throws mini::Error otherwise.
ImageManifest parse_image_manifest(const nlohmann::json& manifest);

// What a pull needs from an image config document: where it runs and what
// its layers unpack to. Only these fields are read; the rest of the config
// is type-checked by the store (store/image_config.h), which uses it.
struct ImageConfigInfo {
  Platform platform;                  // normalized; os or architecture "" when the config doesn't say
  std::vector<std::string> diff_ids;  // bottom first
};
// Throws mini::Error unless the config lists exactly `layer_count` sha256
// diff_ids.
ImageConfigInfo parse_image_config(const nlohmann::json& config, size_t layer_count);

}  // namespace mini::registry
