// `mini wait CONTAINER...`: blocks until each has stopped, prints its exit code.
#include <cstdio>

#include "cli/each.h"
#include "engine/containers.h"

namespace mini::cli {

void add_wait_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  add_per_container_command(app, global, chosen, "wait", "Block until containers stop, then print their exit codes",
                            [](Context& ctx, const std::string& name) {
                              std::printf("%d\n", engine::wait_container(ctx, engine::find_container(ctx, name)));
                            });
}

}  // namespace mini::cli
