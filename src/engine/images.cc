#include "engine/images.h"

#include <optional>
#include <set>
#include <vector>

#include "common/error.h"
#include "registry/reference.h"
#include "store/image.h"

namespace mini::engine {

namespace {

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

}  // namespace

ImageRemoval remove_image(Context& ctx, const std::string& name, bool force) {
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
  ImageRemoval removal{ref.familiar(), ""};
  if (!image) return removal;

  InUse in_use = collect_in_use(ctx);
  std::vector<std::string> candidates = {record->manifest_digest, record->repo_digest, image->config_digest};
  for (const auto& layer : image->layers) candidates.push_back(layer.digest);
  for (const auto& digest : candidates) {
    if (digest.empty() || in_use.blobs.count(digest) || !ctx.blobs().has(digest)) continue;
    ctx.blobs().remove(digest);
    if (digest == image->config_digest) removal.deleted = digest;
  }
  for (const auto& layer : image->layers)
    if (!in_use.diff_ids.count(layer.diff_id)) ctx.layers().remove(layer.diff_id);
  return removal;
}

}  // namespace mini::engine
