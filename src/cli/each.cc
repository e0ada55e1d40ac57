#include "cli/each.h"

#include <cstdio>
#include <memory>

namespace mini::cli {

int for_each_name(const std::vector<std::string>& names, const std::function<void(const std::string&)>& action) {
  int code = 0;
  for (const auto& name : names) {
    try {
      action(name);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mini: %s\n", e.what());
      code = 1;
    }
  }
  return code;
}

CLI::App* add_per_container_command(CLI::App& app, const GlobalOptions& global, Command& chosen, const char* name,
                                    const char* help, std::function<void(Context&, const std::string&)> each) {
  auto* cmd = app.add_subcommand(name, help);
  auto names = std::make_shared<std::vector<std::string>>();
  cmd->add_option("CONTAINER", *names)->required();
  cmd->callback([&global, &chosen, names, each] {
    chosen.action = [&global, names, each] {
      Context ctx(global);
      return for_each_name(*names, [&](const std::string& n) { each(ctx, n); });
    };
  });
  return cmd;
}

void add_prune_command(CLI::App* group, const GlobalOptions& global, Command& chosen, const char* help,
                       const char* heading, Pruner prune) {
  auto* cmd = group->add_subcommand("prune", help);
  auto yes = std::make_shared<bool>(false);
  cmd->add_flag("-f,--force", *yes, "Do not prompt for confirmation (mini never prompts)");
  // The callback holds `yes`: the flag writes through it after this function returns.
  cmd->callback([&global, &chosen, yes, heading, prune] {
    chosen.action = [&global, heading, prune] {
      Context ctx(global);
      std::printf("%s\n", heading);
      prune(ctx, [](const std::string& name) { std::printf("%s\n", name.c_str()); });
      return 0;
    };
  });
}

}  // namespace mini::cli
