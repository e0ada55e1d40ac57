// `mini pull IMAGE` and `mini pull URL`.
#include "cli/commands.h"
#include "common/error.h"
#include "engine/import_url.h"
#include "engine/pull.h"
#include "registry/display.h"
#include "registry/reference.h"
#include "registry/tarball.h"

namespace mini::cli {

namespace {

struct PullCommandOptions {
  std::string image;
  std::string platform;
  int max_concurrent_downloads = 0;
  bool quiet = false;
  std::string sha256;
  std::string name;
  bool insecure_no_verify = false;
};

int pull_from_url(const GlobalOptions& global, const PullCommandOptions& options) {
  Context ctx(global);
  engine::UrlPullOptions request;
  request.url = options.image;
  request.sha256 = options.sha256;
  request.insecure_no_verify = options.insecure_no_verify;
  request.name = options.name;
  request.quiet = options.quiet;
  engine::pull_url(ctx, request);
  return 0;
}

int pull_from_registry(const GlobalOptions& global, const PullCommandOptions& options) {
  if (!options.sha256.empty() || !options.name.empty() || options.insecure_no_verify)
    throw Error("--sha256, --insecure-no-verify and --name are for pulling a tarball from an http(s) URL");
  registry::Reference ref = registry::parse_reference(options.image);
  engine::PullOptions request;
  if (!options.platform.empty()) request.platform = registry::parse_platform(options.platform);
  request.max_concurrent_downloads = options.max_concurrent_downloads;
  request.quiet = options.quiet;
  Context ctx(global);
  engine::pull_image(ctx, ref, request);
  return 0;
}

}  // namespace

void add_pull_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto options = std::make_shared<PullCommandOptions>();
  auto* cmd = app.add_subcommand("pull", "Download an image from a registry, or a rootfs tarball from a URL");
  cmd->add_option("image", options->image, "NAME[:TAG|@DIGEST], or an http(s) URL of a rootfs tarball")->required();
  cmd->add_option("--platform", options->platform, "OS/ARCH[/VARIANT] to pull from a multi-platform image");
  cmd->add_option("--max-concurrent-downloads", options->max_concurrent_downloads,
                  "Layers to download at once (default 3, or the config's max-concurrent-downloads)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-q,--quiet", options->quiet, "Print only the image's full name");
  cmd->add_option("--sha256", options->sha256, "For a URL: the tarball's sha256 (default: fetched from URL.sha256)");
  cmd->add_flag("--insecure-no-verify", options->insecure_no_verify,
                "For a URL: import it even without --sha256 or a published URL.sha256 (unverified)");
  cmd->add_option("--name", options->name, "For a URL: NAME[:TAG] of the image (default: from the file name)");
  cmd->callback([&global, &chosen, options] {
    chosen.action = [&global, options] {
      try {
        return registry::is_tarball_url(options->image) ? pull_from_url(global, *options)
                                                        : pull_from_registry(global, *options);
      } catch (const Error& e) {
        // Registries' words are escaped where they enter a message; this
        // catches whatever slipped through, and keeps the line short.
        throw Error(registry::one_line("pull " + options->image + ": " + e.what()));
      }
    };
  });
}

}  // namespace mini::cli
