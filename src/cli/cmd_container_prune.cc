// `mini container prune`: removes every stopped container.
#include "cli/each.h"
#include "engine/containers.h"

namespace mini::cli {

void add_container_prune_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  add_prune_command(command_group(app, "container", "Manage containers"), global, chosen,
                    "Remove all stopped containers", "Deleted Containers:",
                    [](Context& ctx, const auto& removed) { engine::prune_containers(ctx, removed); });
}

}  // namespace mini::cli
