#include "cli/app.h"

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "common/error.h"
#include "runtime/container.h"

namespace mini::cli {

int main(int argc, char** argv) {
  CLI::App app{"mini: pull and run OCI images without a daemon", "mini"};
  app.set_version_flag("-v,--version", std::string("mini version ") + MINI_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions global;
  app.add_option("--root", global.root, "Store directory (default $MINI_ROOT or /var/lib/mini)");
  app.add_option("--config", global.config,
                 "Daemon-style config file: registry mirrors, insecure registries (default $MINI_CONFIG or "
                 "/etc/mini/config.json)");

  Command chosen;
  add_import_command(app, global, chosen);
  add_run_command(app, global, chosen);
  add_image_commands(app, global, chosen);
  add_pull_command(app, global, chosen);
  add_login_commands(app, global, chosen);
  add_system_check_command(app, global, chosen);
  add_container_commands(app, global, chosen);
  add_exec_command(app, global, chosen);
  add_volume_commands(app, global, chosen);
  add_monitor_command(app, global, chosen);
  add_system_prune_command(app, global, chosen);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    // Docker exits 125 for bad `run` flags; help and version are successes.
    return code == 0 ? 0 : (chosen.failure_exit_code ? chosen.failure_exit_code : code);
  }

  try {
    return chosen.action ? chosen.action() : 0;
  } catch (const runtime::ExecError& e) {
    std::fprintf(stderr, "mini: %s\n", e.what());
    return e.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mini: %s\n", e.what());
    return chosen.failure_exit_code;
  }
}

}  // namespace mini::cli
