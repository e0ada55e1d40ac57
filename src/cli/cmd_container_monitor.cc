// The hidden `mini container-monitor ID --ready-fd N`: what `mini run -d`
// and `mini start` spawn to hold a detached container (engine/monitor.h).
#include <memory>
#include <string>

#include "cli/commands.h"
#include "engine/monitor.h"

namespace mini::cli {

void add_monitor_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto* cmd = app.add_subcommand("container-monitor", "");  // an empty description hides it from --help
  auto id = std::make_shared<std::string>();
  auto ready_fd = std::make_shared<int>(-1);
  cmd->add_option("ID", *id)->required();
  cmd->add_option("--ready-fd", *ready_fd);
  cmd->callback([&global, &chosen, id, ready_fd] {
    chosen.action = [&global, id, ready_fd] { return engine::run_monitor(global, *id, *ready_fd); };
  });
}

}  // namespace mini::cli
