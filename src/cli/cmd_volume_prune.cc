// `mini volume prune`: removes the volumes no container mounts.
#include "cli/each.h"
#include "engine/volumes.h"

namespace mini::cli {

void add_volume_prune_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  add_prune_command(volume_command(app), global, chosen, "Remove volumes no container uses", "Deleted Volumes:",
                    [](Context& ctx, const auto& removed) { engine::prune_volumes(ctx, removed); });
}

}  // namespace mini::cli
