#pragma once
// `mini import`: a docker-export or rootfs tarball becomes an OCI image.
#include <filesystem>
#include <string>
#include <vector>

#include "store/content_store.h"
#include "store/image_index.h"
#include "store/layer_store.h"

#include <nlohmann/json.hpp>

namespace mini::store {

struct ImportRequest {
  std::filesystem::path source;  // "-" reads stdin
  std::string name;              // normalized reference
  // Docker --change lines: CMD, ENTRYPOINT, ENV, WORKDIR, USER (JSON or shell form).
  std::vector<std::string> changes;
  std::string architecture;  // GOARCH name, e.g. "amd64"
  std::string os = "linux";
};

struct ImportResult {
  std::string manifest_digest;
  std::string config_digest;
};

// Applies Docker --change lines to an image config's "config" object.
// Throws mini::Error for unknown or malformed instructions.
void apply_changes(nlohmann::json& config, const std::vector<std::string>& changes);

// Stores the tarball as a layer blob (gzip/zstd kept, other compressions
// stored as plain tar), unpacks it, writes config + manifest and tags it.
ImportResult import_tarball(ContentStore& blobs, LayerStore& layers, ImageIndex& images,
                            const ImportRequest& request);

}  // namespace mini::store
