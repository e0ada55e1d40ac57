// `mini volume create NAME`.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "engine/volumes.h"

namespace mini::cli {

void add_volume_create_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto* create = volume_command(app)->add_subcommand("create", "Create a volume");
  auto name = std::make_shared<std::string>();
  create->add_option("NAME", *name)->required();
  create->callback([&global, &chosen, name] {
    chosen.action = [&global, name] {
      Context ctx(global);
      engine::create_volume(ctx, *name);
      std::printf("%s\n", name->c_str());
      return 0;
    };
  });
}

}  // namespace mini::cli
