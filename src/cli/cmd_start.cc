// `mini start CONTAINER...`: stopped containers run again, in the background.
#include <cstdio>

#include "cli/each.h"
#include "engine/containers.h"

namespace mini::cli {

void add_start_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  add_per_container_command(app, global, chosen, "start", "Start stopped containers in the background",
                            [&global](Context& ctx, const std::string& name) {
                              engine::start_container(ctx, global, engine::find_container(ctx, name));
                              std::printf("%s\n", name.c_str());
                            });
}

}  // namespace mini::cli
