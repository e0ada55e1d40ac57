#include "engine/pull.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/time.h"
#include "common/bytes.h"
#include "common/error.h"
#include "engine/pull_progress.h"
#include "engine/settings.h"
#include "registry/display.h"
#include "registry/download.h"
#include "registry/http.h"
#include "registry/limits.h"
#include "registry/resolve.h"
#include "store/container_store.h"
#include "store/digest.h"
#include "store/image_config.h"
#include "store/layer_limits.h"
#include "store/scratch.h"

namespace mini::engine {

namespace {

using registry::Descriptor;
using registry::Platform;

struct LayerJob {
  Descriptor blob;
  std::string diff_id;
  std::string id;  // short digest, as progress shows it
  bool present = false;
};

std::string short_id(const std::string& digest) { return store::digest_hex(digest).substr(0, 12); }

// An index states platforms itself; a lone manifest only says in its config.
void check_config_platform(const Platform& have, const Platform& want, bool explicit_platform, Progress& progress) {
  if (have.os.empty() || have.architecture.empty() || have == want) return;
  if (explicit_platform)
    throw Error("the image is for " + registry::shown(have.str(), 100) + ", not the requested platform " + want.str());
  progress.line("WARNING: The requested image's platform (" + registry::shown(have.str(), 100) +
                ") does not match the detected host platform (" + want.str() +
                ") and no specific platform was requested");
}

std::vector<LayerJob> layer_jobs(const registry::Resolved& resolved, const std::vector<std::string>& diff_ids,
                                 const store::ContentStore& blobs) {
  std::vector<LayerJob> jobs;
  for (size_t i = 0; i < resolved.manifest.layers.size(); ++i) {
    const Descriptor& blob = resolved.manifest.layers[i];
    bool listed =
        std::any_of(jobs.begin(), jobs.end(), [&](const LayerJob& j) { return j.blob.digest == blob.digest; });
    if (!listed) jobs.push_back({blob, diff_ids[i], short_id(blob.digest), blobs.has(blob.digest)});
  }
  return jobs;
}

struct LayerContext {
  registry::RegistryClient& client;
  registry::PullBudget& budget;
  Context& ctx;
  const std::string& repository;
  Progress& progress;
  registry::ProgressSink& sink;
  std::atomic<bool>& cancelled;
};

void pull_layer(const LayerContext& lc, registry::HttpClient& http, const LayerJob& job) {
  try {
    if (!job.present)
      registry::fetch_blob(lc.client, http, {lc.repository, job.blob, job.id, &lc.cancelled}, lc.ctx.blobs(), lc.sink);
    if (!job.present) lc.progress.status(job.id, "Extracting");
    lc.ctx.layers().ensure(lc.ctx.blobs(), job.blob.digest, job.diff_id);
    if (!job.present) lc.progress.status(job.id, "Pull complete");
  } catch (const Error& e) {
    throw Error("layer " + job.blob.digest + ": " + e.what());
  }
}

// Each worker downloads a layer and unpacks it, then takes the next: the
// unpacking of one overlaps the downloads of the others.
void pull_layers(const LayerContext& lc, const std::vector<LayerJob>& jobs, int concurrency) {
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::exception_ptr first_error;
  auto worker = [&] {
    try {
      registry::HttpClient http(lc.client.config().timeouts, &lc.budget);
      for (size_t i; !lc.cancelled && (i = next++) < jobs.size();) pull_layer(lc, http, jobs[i]);
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!lc.cancelled.exchange(true)) first_error = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  size_t count = std::min<size_t>(static_cast<size_t>(std::max(concurrency, 1)), jobs.size());
  for (size_t t = 0; t < count; ++t) threads.emplace_back(worker);
  for (auto& thread : threads) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

// The layers' declared sizes, before any is fetched: more than the pull may
// receive, or than the store's filesystem has free, can only end in a
// refusal or a full disk later.
void check_room(const std::vector<LayerJob>& jobs, const registry::RegistryConfig& config,
                const store::Layout& layout) {
  uint64_t needed = 0;
  for (const auto& job : jobs)
    if (!job.present) needed = job.blob.size > UINT64_MAX - needed ? UINT64_MAX : needed + job.blob.size;
  if (config.max_pull_bytes != 0 && needed > config.max_pull_bytes)
    throw Error("the image's layers are " + binary_bytes(needed) + ", more than the " +
                binary_bytes(config.max_pull_bytes) +
                " one pull may receive; raise \"max-pull-size\" in mini's config file if you trust this image");
  struct statvfs fs {};
  if (::statvfs(layout.ingest().c_str(), &fs) == 0) {
    uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (needed > free)
      throw Error("the image's layers are " + binary_bytes(needed) + ", more than the " +
                  binary_bytes(free) + " free in the store; free some space (mini system prune) first");
  }
}

}  // namespace

store::ImageRecord pull_image(Context& ctx, const registry::Reference& ref, const PullOptions& options) {
  const registry::RegistryConfig config = registry_settings(ctx.config().registry);
  store::sweep_abandoned_ingests(ctx.layout());
  Progress progress(options.out, Progress::mode_for(options.out, options.quiet));
  DockerProgressSink sink(progress);
  Platform want = options.platform.value_or(registry::host_platform());
  registry::PullBudget budget(config.max_pull_bytes);
  registry::HttpClient http(config.timeouts, &budget);

  // The image config, checked as each endpoint's answer comes in: the
  // store's type checks (the engine reads Env, Cmd and the rest from it
  // later), the diff_ids the layers unpack to, and the platform.
  std::vector<std::string> diff_ids;
  registry::ResolveRequest request{ref, want, [&](const registry::Resolved& resolved) {
                                     store::validate_image_config(resolved.config);
                                     registry::ImageConfigInfo info = registry::parse_image_config(
                                         resolved.config, resolved.manifest.layers.size());
                                     if (!resolved.from_index)
                                       check_config_platform(info.platform, want, options.platform.has_value(),
                                                             progress);
                                     diff_ids = std::move(info.diff_ids);
                                   }};
  registry::Session session = registry::resolve_image(request, config, http, ctx.blobs());
  const registry::Resolved& resolved = session.resolved;

  progress.line(registry::manifest_reference(ref) + ": Pulling from " + ref.path);
  std::vector<LayerJob> jobs = layer_jobs(resolved, diff_ids, ctx.blobs());
  // A compressed layer bigger than the unpacked limit can only be refused
  // later; refusing it now saves downloading it.
  if (uint64_t limit = ctx.layers().max_bytes())
    for (const auto& job : jobs)
      if (!job.present && job.blob.size > limit)
        throw Error("layer " + job.blob.digest + " is " + binary_bytes(job.blob.size) + ", more than the " +
                    binary_bytes(limit) + " a layer may take; " + store::kLayerLimitHint);
  check_room(jobs, config, ctx.layout());
  for (const auto& job : jobs) progress.status(job.id, job.present ? "Already exists" : "Pulling fs layer");
  std::atomic<bool> cancelled{false};
  int concurrency =
      options.max_concurrent_downloads > 0 ? options.max_concurrent_downloads : config.max_concurrent_downloads;
  pull_layers({*session.client, budget, ctx, ref.path, progress, sink, cancelled}, jobs, concurrency);

  // The manifests and config go in last: an interrupted pull leaves no
  // image documents pointing at layers that never arrived.
  for (const auto& doc : resolved.documents) ctx.blobs().put(doc.body, {doc.digest, doc.body.size()});
  const std::string name = ref.full();
  auto previous = ctx.images().find(name);
  bool current = previous && previous->manifest_digest == resolved.manifest_digest &&
                 previous->repo_digest == resolved.repo_digest;
  store::ImageRecord record =
      current ? *previous : store::ImageRecord{resolved.manifest_digest, resolved.repo_digest, now_rfc3339()};
  if (!current) ctx.images().set(name, record);

  progress.line("Digest: " + resolved.repo_digest);
  progress.line(std::string("Status: ") + (current ? "Image is up to date for " : "Downloaded newer image for ") +
                ref.familiar());
  std::fprintf(options.out, "%s\n", name.c_str());
  std::fflush(options.out);
  return record;
}

}  // namespace mini::engine
