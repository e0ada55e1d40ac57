// `mini kill [-s SIGNAL] CONTAINER...`.
#include <cstdio>
#include <memory>

#include "cli/each.h"
#include "engine/containers.h"

namespace mini::cli {

void add_kill_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto signal = std::make_shared<std::string>("KILL");
  auto* cmd = add_per_container_command(app, global, chosen, "kill", "Kill running containers",
                                        [signal](Context& ctx, const std::string& name) {
                                          int sig = engine::parse_signal(*signal);
                                          engine::kill_container(ctx, engine::find_container(ctx, name), sig);
                                          std::printf("%s\n", name.c_str());
                                        });
  cmd->add_option("-s,--signal", *signal, "Signal to send (default KILL)");
}

}  // namespace mini::cli
