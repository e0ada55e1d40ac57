#pragma once
// Each verb lives in its own cmd_*.cc: it adds itself to the CLI11 app and,
// when chosen, leaves the work to do in `action`. app.cc runs it and turns
// errors into exit codes. The work itself is the engine's.
#include <functional>

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace mini::cli {

struct Command {
  std::function<int()> action;
  int failure_exit_code = 1;  // Docker: 125 for run, 126 for exec, 1 for everything else
};

using AddCommand = void (*)(CLI::App& app, const GlobalOptions& global, Command& chosen);

// Images.
void add_pull_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_import_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_images_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_rmi_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_login_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_logout_command(CLI::App& app, const GlobalOptions& global, Command& chosen);

// Containers.
void add_run_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_exec_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_ps_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_logs_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_stop_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_kill_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_start_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_restart_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_wait_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_rm_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_inspect_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
// `mini container prune`.
void add_container_prune_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
// The hidden `mini container-monitor` a detached container runs under.
void add_monitor_command(CLI::App& app, const GlobalOptions& global, Command& chosen);

// `mini volume ls|create|rm|prune`.
void add_volume_ls_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_volume_create_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_volume_rm_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_volume_prune_command(CLI::App& app, const GlobalOptions& global, Command& chosen);

// `mini system check [--repair]` and `mini system prune`.
void add_system_check_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_system_prune_command(CLI::App& app, const GlobalOptions& global, Command& chosen);

// A verb group (`mini system`, `mini volume`) shared by the files that add
// its subcommands: the first caller creates it.
CLI::App* command_group(CLI::App& app, const char* name, const char* help);
inline CLI::App* system_command(CLI::App& app) { return command_group(app, "system", "Check and clean up the store"); }
inline CLI::App* volume_command(CLI::App& app) { return command_group(app, "volume", "Manage named volumes"); }

}  // namespace mini::cli
