// `mini restart CONTAINER...`: stop (as `mini stop`), then start in the background.
#include <cstdio>
#include <memory>

#include "cli/each.h"
#include "engine/containers.h"

namespace mini::cli {

void add_restart_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto timeout = std::make_shared<int>(10);
  auto* cmd = add_per_container_command(
      app, global, chosen, "restart", "Restart containers", [&global, timeout](Context& ctx, const std::string& name) {
        engine::restart_container(ctx, global, engine::find_container(ctx, name), *timeout);
        std::printf("%s\n", name.c_str());
      });
  cmd->add_option("-t,--time", *timeout, "Seconds to wait before killing");
}

}  // namespace mini::cli
