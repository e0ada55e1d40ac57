// `mini system check [--repair]`: the store's consistency check
// (store/check.h), with what only the runtime knows: whether a container's
// processes live, and its cgroups.
#include <cstdio>

#include "cli/commands.h"
#include "engine/containers.h"
#include "store/check.h"

namespace mini::cli {

namespace {

int check(const GlobalOptions& global, bool repair) {
  Context ctx(global);
  store::CheckOptions options;
  options.repair = repair;
  options.probe = engine::container_probe();
  store::CheckReport report = store::check_store(ctx.layout(), options);
  size_t repaired = 0;
  for (const auto& p : report.problems) {
    if (p.repaired) ++repaired;
    std::printf("%s: %s (%s)\n", p.repaired ? "repaired" : "problem", p.what.c_str(),
                p.repaired || !p.repairable ? p.fix.c_str() : ("--repair: " + p.fix).c_str());
  }
  std::printf("checked %zu blobs, %zu layers, %zu images, %zu containers: ", report.blobs, report.layers,
              report.images, report.containers);
  if (report.problems.empty())
    std::printf("no problems\n");
  else
    std::printf("%zu problems, %zu repaired\n", report.problems.size(), repaired);
  return report.clean() ? 0 : 1;
}

}  // namespace

void add_system_check_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto repair = std::make_shared<bool>(false);
  auto* cmd = system_command(app)->add_subcommand(
      "check", "Verify blobs, layers, images and containers; with --repair, remove what is partial or corrupt");
  cmd->add_flag("--repair", *repair, "Remove debris, corrupt blobs and dead containers' leftovers");
  cmd->callback([&global, &chosen, repair] {
    chosen.action = [&global, repair] { return check(global, *repair); };
  });
}

}  // namespace mini::cli
