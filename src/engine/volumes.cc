#include "engine/volumes.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs_util.h"
#include "engine/mount_flags.h"
#include "store/fs_tree.h"

namespace mini::engine {

namespace {

namespace fs = std::filesystem;

fs::path volumes_dir(Context& ctx) { return ctx.layout().root / "volumes"; }

// Containers (running or not) whose config.json mounts the volume, as
// Docker refuses to remove a volume a container still references.
std::vector<std::string> users_of(Context& ctx, const std::string& name) {
  std::string data = (volumes_dir(ctx) / name / "_data").string();
  std::vector<std::string> users;
  for (const auto& record : ctx.containers().list()) {
    try {
      auto config = nlohmann::json::parse(fsutil::read_file(ctx.containers().dir(record.id) / "config.json"));
      for (const auto& mount : config.value("mounts", nlohmann::json::array()))
        if (mount.value("source", "") == data) users.push_back(record.name);
    } catch (const std::exception&) {
      // A container without a readable config.json mounts nothing.
    }
  }
  return users;
}

}  // namespace

std::vector<std::string> volume_names(Context& ctx) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(volumes_dir(ctx), ec))
    if (entry.is_directory() && is_valid_volume_name(entry.path().filename().string()))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void create_volume(Context& ctx, const std::string& name) {
  if (!is_valid_volume_name(name))
    throw Error("invalid volume name \"" + name + "\"; use letters, digits, _ . - (starting with a letter or digit)");
  fs::create_directories(volumes_dir(ctx) / name / "_data");
}

void remove_volume(Context& ctx, const std::string& name) {
  if (!is_valid_volume_name(name) || !fs::is_directory(volumes_dir(ctx) / name))
    throw Error("no such volume: " + name + "; see mini volume ls");
  auto users = users_of(ctx, name);
  if (!users.empty())
    throw Error("volume " + name + " is in use by container " + users.front() + "; remove that container first");
  store::remove_tree(volumes_dir(ctx) / name);
}

void prune_volumes(Context& ctx, const std::function<void(const std::string&)>& removed) {
  for (const auto& name : volume_names(ctx)) {
    if (!users_of(ctx, name).empty()) continue;
    store::remove_tree(volumes_dir(ctx) / name);
    removed(name);
  }
}

}  // namespace mini::engine
