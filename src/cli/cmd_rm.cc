// `mini rm [-f] CONTAINER...`.
#include <cstdio>
#include <memory>

#include "cli/each.h"
#include "engine/containers.h"

namespace mini::cli {

void add_rm_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto force = std::make_shared<bool>(false);
  auto* cmd = add_per_container_command(app, global, chosen, "rm", "Remove containers",
                                        [force](Context& ctx, const std::string& name) {
                                          engine::remove_container(ctx, engine::find_container(ctx, name), *force);
                                          std::printf("%s\n", name.c_str());
                                        });
  cmd->add_flag("-f,--force", *force, "Force the removal of a running container");
}

}  // namespace mini::cli
