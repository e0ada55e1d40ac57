// `mini rmi [-f] IMAGE...`.
#include <cstdio>
#include <memory>

#include "cli/each.h"
#include "engine/images.h"

namespace mini::cli {

void add_rmi_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* rmi = app.add_subcommand("rmi", "Remove one or more images");
  rmi->add_option("image", *names, "NAME[:TAG]")->required();
  rmi->add_flag("-f,--force", *force, "Remove the image even if containers use it");
  rmi->callback([&global, &chosen, names, force] {
    chosen.action = [&global, names, force] {
      Context ctx(global);
      return for_each_name(*names, [&](const std::string& name) {
        engine::ImageRemoval removal = engine::remove_image(ctx, name, *force);
        std::printf("Untagged: %s\n", removal.untagged.c_str());
        if (!removal.deleted.empty()) std::printf("Deleted: %s\n", removal.deleted.c_str());
      });
    };
  });
}

}  // namespace mini::cli
