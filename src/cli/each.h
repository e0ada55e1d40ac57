#pragma once
// Verbs that take several names (stop, kill, start, restart, wait, rm,
// inspect, rmi, volume rm) handle each as Docker does: an error is reported
// for that one, the others still go ahead, and the exit code is 1.
#include <functional>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace mini::cli {

// Runs `action` for each name; 1 when any threw (each error printed), else 0.
int for_each_name(const std::vector<std::string>& names, const std::function<void(const std::string&)>& action);

// Adds verb `name` taking CONTAINER...; when chosen, runs `each` on every
// one of them with one Context. Returns the subcommand for its options.
CLI::App* add_per_container_command(CLI::App& app, const GlobalOptions& global, Command& chosen, const char* name,
                                    const char* help, std::function<void(Context&, const std::string&)> each);

// `mini container prune`, `mini volume prune`: a subcommand of `group`
// that takes -f (mini never prompts) and prints `heading`, then each name
// `prune` hands its callback as it removes that one.
using Pruner = std::function<void(Context&, const std::function<void(const std::string&)>& removed)>;
void add_prune_command(CLI::App* group, const GlobalOptions& global, Command& chosen, const char* help,
                       const char* heading, Pruner prune);

}  // namespace mini::cli
