#include "registry/manifest.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/text.h"
#include "common/error.h"
#include "registry/display.h"
#include "store/digest.h"

namespace mini::registry {

namespace {

constexpr std::string_view kLayerTypes[] = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar.zstd",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};

// "application/json; charset=utf-8" -> "application/json".
std::string bare_media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return ascii_lower(type);
}

[[noreturn]] void refuse_schema1() {
  throw Error(
      "the image uses the Docker schema1 manifest format, which mini does not read; "
      "push it again with a current Docker or skopeo to convert it to schema2 or OCI");
}

std::optional<ManifestKind> kind_of(std::string_view type) {
  if (type == media::kOciIndex || type == media::kDockerManifestList) return ManifestKind::Index;
  if (type == media::kOciManifest || type == media::kDockerManifest) return ManifestKind::Image;
  if (type == media::kDockerSchema1 || type == media::kDockerSchema1Signed) refuse_schema1();
  return std::nullopt;
}

std::string string_field(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Descriptor parse_descriptor(const nlohmann::json& doc, const char* what) {
  if (!doc.is_object()) throw Error(std::string("the manifest's ") + what + " is not a descriptor object");
  Descriptor d;
  d.media_type = string_field(doc, "mediaType");
  d.digest = string_field(doc, "digest");
  if (!store::is_valid_digest(d.digest))
    throw Error(std::string("the manifest's ") + what + " has an unsupported digest \"" + shown(d.digest, 100) +
                "\" (mini verifies sha256 only)");
  auto size = doc.find("size");
  if (size == doc.end() || !size->is_number_integer() || *size < 0)
    throw Error(std::string("the manifest's ") + what + " " + d.digest + " has no valid size");
  d.size = size->get<uint64_t>();
  if (auto p = doc.find("platform"); p != doc.end() && p->is_object())
    d.platform =
        normalize_platform({string_field(*p, "os"), string_field(*p, "architecture"), string_field(*p, "variant")});
  return d;
}

// 0 for an exact match, higher for a worse one, -1 for none.
int match_rank(const Platform& want, const Platform& have) {
  if (want.os != have.os || want.architecture != have.architecture) return -1;
  if (want.variant == have.variant) return 0;
  // A 32-bit arm v7 CPU runs v6 and v5 code too.
  if (want.architecture == "arm" && want.variant.size() == 2 && have.variant.size() == 2 && have.variant < want.variant)
    return want.variant[1] - have.variant[1];
  return -1;
}

}  // namespace

std::string manifest_accept_header() {
  return "Accept: " + std::string(media::kOciIndex) + ", " + std::string(media::kDockerManifestList) + ", " +
         std::string(media::kOciManifest) + ", " + std::string(media::kDockerManifest);
}

ManifestKind detect_manifest_kind(std::string_view content_type, const nlohmann::json& doc) {
  if (!doc.is_object()) throw Error("the registry's manifest is not a JSON object");
  const std::string served = bare_media_type(content_type);
  // Schema1 is schema1 whatever it is served as.
  if (auto version = doc.find("schemaVersion"); version != doc.end() && *version == 1) refuse_schema1();
  if (doc.contains("fsLayers") || served == media::kDockerSchema1 || served == media::kDockerSchema1Signed)
    refuse_schema1();
  auto declared_field = doc.find("mediaType");
  if (declared_field != doc.end() && !declared_field->is_string())
    throw Error("the registry's manifest has a \"mediaType\" that is not a string");
  const std::string declared = declared_field == doc.end() ? "" : declared_field->get<std::string>();

  // What the content is, whatever anyone says it is.
  bool lists = doc.contains("manifests"), image = doc.contains("config") || doc.contains("layers");
  if (lists && image)
    throw Error("the registry's manifest holds both \"manifests\" and \"layers\"; it is neither an index nor an "
                "image manifest");
  std::optional<ManifestKind> shape;
  if (lists) shape = ManifestKind::Index;
  if (image) shape = ManifestKind::Image;
  auto name = [](ManifestKind kind) { return kind == ManifestKind::Index ? "an index" : "an image manifest"; };

  std::optional<ManifestKind> served_kind = kind_of(served);
  if (!declared.empty()) {
    // The document's own mediaType decides: it is what its digest covers,
    // while the Content-Type is only what this answer says about it.
    std::optional<ManifestKind> kind = kind_of(declared);
    if (!kind)
      throw Error("the registry answered with a manifest of unsupported type \"" + shown(declared, 100) +
                  "\"; mini reads OCI and Docker schema2 images and indexes");
    if (served_kind && served != ascii_lower(declared))
      throw Error("the registry served a document whose mediaType is " + declared + " with Content-Type " + served +
                  "; refusing a manifest whose declared type and content disagree");
    if (shape && *shape != *kind)
      throw Error("the registry's manifest says it is " + declared + " but holds " + name(*shape) +
                  "; refusing a manifest whose declared type and content disagree");
    return *kind;
  }
  if (served_kind) {
    if (shape && *shape != *served_kind)
      throw Error("the registry served " + std::string(name(*shape)) + " with Content-Type " + served +
                  "; refusing a manifest whose declared type and content disagree");
    return *served_kind;
  }
  if (shape) return *shape;
  throw Error("the registry answered with a manifest of unsupported type \"" +
              (served.empty() ? std::string("unknown") : shown(served, 100)) +
              "\"; mini reads OCI and Docker schema2 images and indexes");
}

std::string Platform::str() const { return os + "/" + architecture + (variant.empty() ? "" : "/" + variant); }

Platform normalize_platform(Platform p) {
  p.os = ascii_lower(p.os);
  p.architecture = ascii_lower(p.architecture);
  p.variant = ascii_lower(p.variant);
  if (p.os == "macos") p.os = "darwin";
  const std::string& arch = p.architecture;
  if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    p.architecture = "amd64";
    if (p.variant == "v1") p.variant.clear();
  } else if (arch == "i386" || arch == "i686" || arch == "386") {
    p.architecture = "386";
  } else if (arch == "aarch64" || arch == "arm64") {
    p.architecture = "arm64";
    if (p.variant.empty() || p.variant == "8" || p.variant == "v8.0") p.variant = "v8";
  } else if (arch == "armhf") {
    p.architecture = "arm";
    p.variant = "v7";
  } else if (arch == "armel") {
    p.architecture = "arm";
    p.variant = "v6";
  } else if (arch == "arm" || arch.rfind("armv", 0) == 0) {
    if (arch != "arm") p.variant = "v" + arch.substr(4, 1);
    p.architecture = "arm";
    if (p.variant.empty()) p.variant = "v7";
    if (p.variant.size() == 1) p.variant = "v" + p.variant;
  }
  return p;
}

Platform parse_platform(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  bool empty_part = std::any_of(parts.begin(), parts.end(), [](const std::string& s) { return s.empty(); });
  if (parts.size() < 2 || parts.size() > 3 || empty_part)
    throw Error("invalid platform \"" + std::string(text) + "\": expected OS/ARCH[/VARIANT], e.g. linux/arm64/v8");
  return normalize_platform({parts[0], parts[1], parts.size() == 3 ? parts[2] : ""});
}

Platform host_platform() {
  utsname name{};
  ::uname(&name);
  return normalize_platform({"linux", name.machine, ""});
}

Descriptor select_manifest(const nlohmann::json& index, const Platform& want) {
  auto manifests = index.find("manifests");
  if (manifests == index.end() || !manifests->is_array()) throw Error("the image index has no \"manifests\" list");
  std::optional<Descriptor> best;
  int best_rank = -1;
  std::vector<std::string> offered;
  for (const auto& entry : *manifests) {
    Descriptor d = parse_descriptor(entry, "index entry");
    if (!d.platform) continue;
    offered.push_back(d.platform->str());
    int rank = match_rank(want, *d.platform);
    if (rank >= 0 && (best_rank < 0 || rank < best_rank)) {
      best = d;
      best_rank = rank;
    }
  }
  if (best) return *best;
  std::vector<std::string> distinct;
  std::set<std::string> seen;
  for (const auto& p : offered)
    if (p != "unknown/unknown" && seen.insert(p).second) distinct.push_back(p);
  throw Error("no matching manifest for " + want.str() + " in the manifest list entries (the image has " +
              (distinct.empty() ? "no platforms" : shown_list(distinct)) + "); choose one with --platform");
}

ImageManifest parse_image_manifest(const nlohmann::json& manifest) {
  if (!manifest.is_object() || !manifest.contains("config") || !manifest.contains("layers") ||
      !manifest["layers"].is_array())
    throw Error("the image manifest lacks \"config\" or \"layers\"");
  ImageManifest out;
  out.config = parse_descriptor(manifest["config"], "config");
  if (out.config.media_type != media::kOciConfig && out.config.media_type != media::kDockerConfig)
    throw Error("this is not a container image: its config has media type \"" + shown(out.config.media_type, 100) +
                "\"");
  for (const auto& layer : manifest["layers"]) {
    Descriptor d = parse_descriptor(layer, "layer");
    if (std::find(std::begin(kLayerTypes), std::end(kLayerTypes), d.media_type) == std::end(kLayerTypes))
      throw Error("layer " + d.digest + " has media type \"" + shown(d.media_type, 100) +
                  "\", which is not a tar layer mini can unpack");
    out.layers.push_back(std::move(d));
  }
  return out;
}

ImageConfigInfo parse_image_config(const nlohmann::json& config, size_t layer_count) {
  ImageConfigInfo info;
  info.platform =
      normalize_platform({string_field(config, "os"), string_field(config, "architecture"), string_field(config, "variant")});
  auto rootfs = config.find("rootfs");
  if (rootfs == config.end() || !rootfs->is_object() || !rootfs->contains("diff_ids") ||
      !(*rootfs)["diff_ids"].is_array())
    throw Error("the image config has no rootfs.diff_ids");
  for (const auto& id : (*rootfs)["diff_ids"]) {
    if (!id.is_string() || !store::is_valid_digest(id.get<std::string>()))
      throw Error("the image config lists a diff_id that is not a sha256 digest");
    info.diff_ids.push_back(id.get<std::string>());
  }
  if (info.diff_ids.size() != layer_count)
    throw Error("the image config lists " + std::to_string(info.diff_ids.size()) + " diff_ids for " +
                std::to_string(layer_count) + " layers");
  return info;
}

}  // namespace mini::registry
