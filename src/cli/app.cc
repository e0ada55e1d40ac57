#include "cli/app.h"

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "common/error.h"
#include "runtime/container.h"

namespace mini::cli {

CLI::App* command_group(CLI::App& app, const char* name, const char* help) {
  for (CLI::App* existing : app.get_subcommands([&](CLI::App* sub) { return sub->get_name() == name; }))
    return existing;
  CLI::App* group = app.add_subcommand(name, help);
  group->require_subcommand(1);
  return group;
}

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
  // In the order `mini --help` lists them.
  for (AddCommand add : {add_import_command, add_run_command, add_images_command, add_rmi_command, add_pull_command,
                         add_login_command, add_logout_command, add_system_check_command, add_ps_command,
                         add_logs_command, add_stop_command, add_kill_command, add_start_command,
                         add_restart_command, add_wait_command, add_rm_command, add_inspect_command,
                         add_container_prune_command, add_exec_command, add_volume_ls_command,
                         add_volume_create_command, add_volume_rm_command, add_volume_prune_command,
                         add_monitor_command, add_system_prune_command})
    add(app, global, chosen);

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
