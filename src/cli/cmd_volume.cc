// `mini volume ls|create|rm|prune`: named volumes live in the store at
// volumes/<name>/_data, created on first use by -v NAME:/path.
#include <cstdio>

#include "cli/commands.h"
#include "engine/mount_flags.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "store/fs_tree.h"

namespace mini::cli {

using engine::is_valid_volume_name;

namespace {

namespace fs = std::filesystem;

fs::path volumes_dir(Context& ctx) { return ctx.layout().root / "volumes"; }

std::vector<std::string> volume_names(Context& ctx) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(volumes_dir(ctx), ec))
    if (entry.is_directory() && is_valid_volume_name(entry.path().filename().string()))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

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

void remove_volume(Context& ctx, const std::string& name) {
  if (!is_valid_volume_name(name) || !fs::is_directory(volumes_dir(ctx) / name))
    throw Error("no such volume: " + name + "; see mini volume ls");
  auto users = users_of(ctx, name);
  if (!users.empty())
    throw Error("volume " + name + " is in use by container " + users.front() + "; remove that container first");
  store::remove_tree(volumes_dir(ctx) / name);
}

}  // namespace

void add_volume_commands(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto* volume = app.add_subcommand("volume", "Manage named volumes");
  volume->require_subcommand(1);
  {
    auto* ls = volume->add_subcommand("ls", "List volumes");
    auto quiet = std::make_shared<bool>(false);
    ls->add_flag("-q,--quiet", *quiet, "Only display volume names");
    ls->callback([&global, &chosen, quiet] {
      chosen.action = [&global, quiet] {
        Context ctx(global);
        if (!*quiet) std::printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
        for (const auto& name : volume_names(ctx))
          *quiet ? std::printf("%s\n", name.c_str()) : std::printf("%-10s%s\n", "local", name.c_str());
        return 0;
      };
    });
  }
  {
    auto* create = volume->add_subcommand("create", "Create a volume");
    auto name = std::make_shared<std::string>();
    create->add_option("NAME", *name)->required();
    create->callback([&global, &chosen, name] {
      chosen.action = [&global, name] {
        if (!is_valid_volume_name(*name))
          throw Error("invalid volume name \"" + *name + "\"; use letters, digits, _ . - (starting with a letter or digit)");
        Context ctx(global);
        fs::create_directories(volumes_dir(ctx) / *name / "_data");
        std::printf("%s\n", name->c_str());
        return 0;
      };
    });
  }
  {
    auto* rm = volume->add_subcommand("rm", "Remove volumes");
    auto names = std::make_shared<std::vector<std::string>>();
    rm->add_option("VOLUME", *names)->required();
    rm->callback([&global, &chosen, names] {
      chosen.action = [&global, names] {
        Context ctx(global);
        int code = 0;
        for (const auto& name : *names) {
          try {
            remove_volume(ctx, name);
            std::printf("%s\n", name.c_str());
          } catch (const std::exception& e) {
            std::fprintf(stderr, "mini: %s\n", e.what());
            code = 1;
          }
        }
        return code;
      };
    });
  }
  {
    auto* prune = volume->add_subcommand("prune", "Remove volumes no container uses");
    auto yes = std::make_shared<bool>(false);
    prune->add_flag("-f,--force", *yes, "Do not prompt for confirmation (mini never prompts)");
    prune->callback([&global, &chosen] {
      chosen.action = [&global] {
        Context ctx(global);
        std::printf("Deleted Volumes:\n");
        for (const auto& name : volume_names(ctx)) {
          if (!users_of(ctx, name).empty()) continue;
          store::remove_tree(volumes_dir(ctx) / name);
          std::printf("%s\n", name.c_str());
        }
        return 0;
      };
    });
  }
}

}  // namespace mini::cli
