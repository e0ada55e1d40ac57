// `mini inspect CONTAINER...`: one JSON array of Docker's inspect documents.
#include <cstdio>
#include <memory>

#include "cli/each.h"
#include "engine/container_inspect.h"
#include "engine/containers.h"

namespace mini::cli {

void add_inspect_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto* cmd = app.add_subcommand("inspect", "Show low-level information on containers as JSON");
  auto names = std::make_shared<std::vector<std::string>>();
  cmd->add_option("CONTAINER", *names)->required();
  cmd->callback([&global, &chosen, names] {
    chosen.action = [&global, names] {
      Context ctx(global);
      nlohmann::json out = nlohmann::json::array();
      int code = for_each_name(*names, [&](const std::string& name) {
        out.push_back(engine::inspect_container(ctx, engine::find_container(ctx, name)));
      });
      std::printf("%s\n", out.dump(4).c_str());
      return code;
    };
  });
}

}  // namespace mini::cli
