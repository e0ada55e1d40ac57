#pragma once
// -v, --mount and --tmpfs -> OCI mounts. Named volumes are directories in
// the store (volumes/<name>/_data), created on first use like Docker's.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mini::engine {

struct MountFlags {
  std::vector<std::string> volumes;  // -v SRC:DST[:OPTS]
  std::vector<std::string> mounts;   // --mount type=...,source=...,target=...
  std::vector<std::string> tmpfs;    // --tmpfs DST[:OPTS]
};


struct ParsedMounts {
  nlohmann::json mounts = nlohmann::json::array();
  std::vector<std::string> named_volumes;
  std::vector<std::string> host_dirs;  // -v host paths, created when missing
};

// `volumes_dir` is the store's volumes/ directory. Pure apart from naming
// paths; throws mini::Error for malformed flags.
ParsedMounts parse_mount_flags(const MountFlags& flags, const std::filesystem::path& volumes_dir);

bool is_valid_volume_name(const std::string& name);

}  // namespace mini::engine
