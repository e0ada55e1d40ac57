// `mini images` and `mini rmi`.
#include <cstdio>
#include <set>

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

// Blobs and layers that images other than the removed ones, or existing
// containers, still need.
struct InUse {
  std::set<std::string> blobs, diff_ids;
};

InUse collect_in_use(Context& ctx) {
  InUse in_use;
  for (const auto& [name, record] : ctx.images().load()) {
    in_use.blobs.insert(record.manifest_digest);
    if (!record.repo_digest.empty()) in_use.blobs.insert(record.repo_digest);
    try {
      store::Image image = store::load_image(ctx.blobs(), record.manifest_digest);
      in_use.blobs.insert(image.config_digest);
      for (const auto& layer : image.layers) {
        in_use.blobs.insert(layer.digest);
        in_use.diff_ids.insert(layer.diff_id);
      }
    } catch (const Error&) {
    }
  }
  for (const auto& container : ctx.containers().list())
    in_use.diff_ids.insert(container.layers.begin(), container.layers.end());
  return in_use;
}

int remove_images(const GlobalOptions& global, const std::vector<std::string>& names, bool force) {
  Context ctx(global);
  int failures = 0;
  for (const auto& name : names) {
    try {
      registry::Reference ref = registry::parse_reference(name);
      auto record = ctx.images().find(ref.full());
      if (!record) throw Error("No such image: " + ref.familiar());
      if (!force) {
        for (const auto& container : ctx.containers().list())
          if (container.image_digest == record->manifest_digest)
            throw Error("unable to remove " + ref.familiar() + ": image is being used by container " +
                        container.id.substr(0, 12) + "; remove the container first, or use -f");
      }
      std::optional<store::Image> image;
      try {
        image = store::load_image(ctx.blobs(), record->manifest_digest);
      } catch (const Error&) {
      }
      ctx.images().remove(ref.full());
      std::printf("Untagged: %s\n", ref.familiar().c_str());
      if (!image) continue;

      InUse in_use = collect_in_use(ctx);
      std::vector<std::string> candidates = {record->manifest_digest, record->repo_digest, image->config_digest};
      for (const auto& layer : image->layers) candidates.push_back(layer.digest);
      for (const auto& digest : candidates) {
        if (digest.empty() || in_use.blobs.count(digest) || !ctx.blobs().has(digest)) continue;
        ctx.blobs().remove(digest);
        if (digest == image->config_digest) std::printf("Deleted: %s\n", digest.c_str());
      }
      for (const auto& layer : image->layers)
        if (!in_use.diff_ids.count(layer.diff_id)) ctx.layers().remove(layer.diff_id);
    } catch (const Error& e) {
      std::fprintf(stderr, "mini: %s\n", e.what());
      ++failures;
    }
  }
  return failures ? 1 : 0;
}

}  // namespace

void add_image_commands(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  struct Options {
    bool quiet = false, digests = false, force = false;
    std::vector<std::string> names;
  };
  auto options = std::make_shared<Options>();

  auto* images = app.add_subcommand("images", "List images");
  images->add_flag("-q,--quiet", options->quiet, "Only show image IDs");
  images->add_flag("--digests", options->digests, "Show digests");
  images->callback([&global, &chosen, options] {
    chosen.action = [&global, options] { return list_images(global, options->quiet, options->digests); };
  });

  auto* rmi = app.add_subcommand("rmi", "Remove one or more images");
  rmi->add_option("image", options->names, "NAME[:TAG]")->required();
  rmi->add_flag("-f,--force", options->force, "Remove the image even if containers use it");
  rmi->callback([&global, &chosen, options] {
    chosen.action = [&global, options] { return remove_images(global, options->names, options->force); };
  });
}

}  // namespace mini::cli
