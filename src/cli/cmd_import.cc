#include <cstdio>

#include "cli/commands.h"
#include "common/error.h"
#include "registry/reference.h"
#include "store/import.h"

namespace mini::cli {

void add_import_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  struct Options {
    std::string source, name;
    std::vector<std::string> changes;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("import", "Import the contents of a tarball to create an image");
  cmd->add_option("file", options->source, "Tarball (plain, gzip, xz, bzip2 or zstd), or - for stdin")->required();
  cmd->add_option("name", options->name, "NAME[:TAG] for the image")->required();
  cmd->add_option("-c,--change", options->changes, "Apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, WORKDIR, USER");
  cmd->callback([&global, &chosen, options] {
    chosen.action = [&global, options] {
      // Validate everything cheap before touching the store.
      registry::Reference ref = registry::parse_reference(options->name);
      if (!ref.digest.empty()) throw Error("import: the image name can't carry a digest; use NAME[:TAG]");
      Context ctx(global);
      store::ImportRequest request{options->source, ref.full(), options->changes, host_architecture()};
      store::ImportResult result = store::import_tarball(ctx.blobs(), ctx.layers(), ctx.images(), request);
      std::printf("%s\n", result.config_digest.c_str());
      return 0;
    };
  });
}

}  // namespace mini::cli
