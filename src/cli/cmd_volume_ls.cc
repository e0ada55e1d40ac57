// `mini volume ls [-q]`.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "engine/volumes.h"

namespace mini::cli {

void add_volume_ls_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto* ls = volume_command(app)->add_subcommand("ls", "List volumes");
  auto quiet = std::make_shared<bool>(false);
  ls->add_flag("-q,--quiet", *quiet, "Only display volume names");
  ls->callback([&global, &chosen, quiet] {
    chosen.action = [&global, quiet] {
      Context ctx(global);
      if (!*quiet) std::printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
      for (const auto& name : engine::volume_names(ctx))
        *quiet ? std::printf("%s\n", name.c_str()) : std::printf("%-10s%s\n", "local", name.c_str());
      return 0;
    };
  });
}

}  // namespace mini::cli
