// `mini stop CONTAINER...`: SIGTERM, then SIGKILL after --time seconds.
#include <cstdio>
#include <memory>

#include "cli/each.h"
#include "engine/containers.h"

namespace mini::cli {

void add_stop_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto timeout = std::make_shared<int>(10);
  auto* cmd = add_per_container_command(
      app, global, chosen, "stop", "Stop running containers (SIGTERM, then SIGKILL after the timeout)",
      [timeout](Context& ctx, const std::string& name) {
        engine::stop_container(ctx, engine::find_container(ctx, name), *timeout);
        std::printf("%s\n", name.c_str());
      });
  cmd->add_option("-t,--time", *timeout, "Seconds to wait before killing");
}

}  // namespace mini::cli
