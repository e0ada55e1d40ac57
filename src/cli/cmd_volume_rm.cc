// `mini volume rm VOLUME...`.
#include <cstdio>
#include <memory>

#include "cli/each.h"
#include "engine/volumes.h"

namespace mini::cli {

void add_volume_rm_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto* rm = volume_command(app)->add_subcommand("rm", "Remove volumes");
  auto names = std::make_shared<std::vector<std::string>>();
  rm->add_option("VOLUME", *names)->required();
  rm->callback([&global, &chosen, names] {
    chosen.action = [&global, names] {
      Context ctx(global);
      return for_each_name(*names, [&](const std::string& name) {
        engine::remove_volume(ctx, name);
        std::printf("%s\n", name.c_str());
      });
    };
  });
}

}  // namespace mini::cli
