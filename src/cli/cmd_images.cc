// `mini images [-q] [--digests]`.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/format.h"
#include "common/error.h"
#include "registry/reference.h"
#include "store/image.h"

namespace mini::cli {

namespace {

struct ImageRow {
  registry::Reference ref;
  store::ImageRecord record;
};

int list_images(const GlobalOptions& global, bool quiet, bool digests) {
  Context ctx(global);
  std::vector<std::vector<std::string>> rows;
  if (digests)
    rows.push_back({"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"});
  else
    rows.push_back({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
  for (const auto& [name, record] : ctx.images().load()) {
    registry::Reference ref = registry::parse_reference(name);
    std::string id = "<missing>", created = "N/A", size = "N/A";
    try {
      store::Image image = store::load_image(ctx.blobs(), record.manifest_digest);
      id = store::digest_hex(image.config_digest).substr(0, 12);
      std::string when = image.config.value("created", "");
      if (!when.empty()) created = human_duration(seconds_since(when)) + " ago";
      size = human_size(image.content_size());
    } catch (const Error&) {
      // A damaged image still gets listed so the user can rmi it.
    }
    if (quiet) {
      std::printf("%s\n", id.c_str());
      continue;
    }
    std::vector<std::string> row = {ref.familiar_repository(), ref.tag.empty() ? "<none>" : ref.tag};
    if (digests) row.push_back(record.repo_digest.empty() ? "<none>" : record.repo_digest);
    row.insert(row.end(), {id, created, size});
    rows.push_back(std::move(row));
  }
  if (!quiet) std::fputs(format_table(rows).c_str(), stdout);
  return 0;
}

}  // namespace

void add_images_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto quiet = std::make_shared<bool>(false), digests = std::make_shared<bool>(false);
  auto* images = app.add_subcommand("images", "List images");
  images->add_flag("-q,--quiet", *quiet, "Only show image IDs");
  images->add_flag("--digests", *digests, "Show digests");
  images->callback([&global, &chosen, quiet, digests] {
    chosen.action = [&global, quiet, digests] { return list_images(global, *quiet, *digests); };
  });
}

}  // namespace mini::cli
