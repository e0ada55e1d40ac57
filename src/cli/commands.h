#pragma once
// Each command adds itself to the CLI11 app and, when chosen, leaves the
// work to do in `action`. app.cc runs it and turns errors into exit codes.
#include <functional>

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace mini::cli {

struct Command {
  std::function<int()> action;
  int failure_exit_code = 1;  // Docker: 125 for run, 1 for everything else
};

void add_import_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_run_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_image_commands(CLI::App& app, const GlobalOptions& global, Command& chosen);
void add_pull_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
// `mini login` and `mini logout`.
void add_login_commands(CLI::App& app, const GlobalOptions& global, Command& chosen);

// ps, logs, stop, kill, start, restart, wait, rm, inspect, container prune.
void add_container_commands(CLI::App& app, const GlobalOptions& global, Command& chosen);

// The hidden `mini container-monitor` a detached container runs under.
void add_monitor_command(CLI::App& app, const GlobalOptions& global, Command& chosen);

void add_exec_command(CLI::App& app, const GlobalOptions& global, Command& chosen);
// `mini volume ls|create|rm|prune`.
void add_volume_commands(CLI::App& app, const GlobalOptions& global, Command& chosen);

// `mini system prune`: network debris of dead containers (--containers:
// stopped containers too).
void add_system_prune_command(CLI::App& app, const GlobalOptions& global, Command& chosen);

// `mini system check [--repair]`.
void add_system_check_command(CLI::App& app, const GlobalOptions& global, Command& chosen);

// `mini system`, shared by the files that add its subcommands (check, prune):
// the first caller creates it.
inline CLI::App* system_command(CLI::App& app) {
  for (CLI::App* existing : app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "system"; }))
    return existing;
  CLI::App* system = app.add_subcommand("system", "Check and clean up the store");
  system->require_subcommand(1);
  return system;
}

}  // namespace mini::cli
