// `mini system prune`: what crashed runs left behind. Without a daemon
// nobody releases a network lease when mini or a monitor is SIGKILLed;
// this does, and the next attach on the bridge does the same on its way.
#include <cstdio>

#include "cli/commands.h"
#include "common/identity.h"
#include "engine/containers.h"
#include "net/network.h"

namespace mini::cli {

namespace {

struct PruneOptions {
  bool containers = false;
  bool force = false;
};

int prune(const GlobalOptions& global, const PruneOptions& options) {
  // A rootless mini has no bridge, leases or rules: its helpers end with their runs.
  net::NetworkPruneReport report;
  if (!identity::rootless()) report = net::prune_network();
  if (!report.leases.empty()) {
    std::printf("Deleted Network Leases:\n");
    for (const auto& lease : report.leases)
      std::printf("%s %s\n", lease.container_id.c_str(), net::format_ipv4(lease.address).c_str());
  }
  if (!report.interfaces.empty()) {
    std::printf("Deleted Interfaces:\n");
    for (const auto& name : report.interfaces) std::printf("%s\n", name.c_str());
  }
  if (!options.containers) return 0;
  Context ctx(global);
  std::vector<std::string> removed = engine::prune_containers(ctx);
  if (!removed.empty()) {
    std::printf("Deleted Containers:\n");
    for (const auto& id : removed) std::printf("%s\n", id.c_str());
  }
  return 0;
}

}  // namespace

void add_system_prune_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto options = std::make_shared<PruneOptions>();
  auto* cmd = system_command(app)->add_subcommand(
      "prune", "Release network leases, interfaces and nftables rules of containers that are gone");
  cmd->add_flag("--containers", options->containers, "Also remove all stopped containers");
  cmd->add_flag("-f,--force", options->force, "Do not prompt for confirmation (mini never prompts)");
  cmd->callback([&global, &chosen, options] { chosen.action = [&global, options] { return prune(global, *options); }; });
}

}  // namespace mini::cli
