#include "registry/puller.h"

#include <sys/statvfs.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "registry/client.h"
#include "registry/config.h"
#include "registry/credentials.h"
#include "registry/display.h"
#include "registry/download.h"
#include "registry/progress.h"
#include "store/container_store.h"
#include "store/digest.h"
#include "store/image.h"
#include "store/layer_limits.h"
#include "store/scratch.h"
#include "store/layer_store.h"

namespace mini::registry {

namespace {

// A verified document to commit once the layers are in.
struct Fetched {
  std::string digest;
  std::string body;
};

struct Resolved {
  std::string repo_digest;      // what the reference pointed at
  std::string manifest_digest;  // the platform's image manifest
  ImageManifest manifest;
  std::vector<std::string> diff_ids;  // from the config, bottom first
  std::vector<Fetched> documents;     // index (if any), manifest, config
};

struct LayerJob {
  Descriptor blob;
  std::string diff_id;
  std::string id;  // short digest, as progress shows it
  bool present = false;
};

std::string short_id(const std::string& digest) { return store::digest_hex(digest).substr(0, 12); }

nlohmann::json parse_json(const std::string& body, const std::string& what) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw Error(what + " is not a JSON object");
  return doc;
}

void verify(const std::string& body, const Descriptor& expected, const std::string& what) {
  std::string actual = store::sha256_digest(body);
  if (actual != expected.digest)
    throw Error(what + " does not match its digest: expected " + expected.digest + ", got " + actual);
  if (body.size() != expected.size)
    throw Error(what + " is " + std::to_string(body.size()) + " bytes, not the " + std::to_string(expected.size) +
                " its descriptor lists");
}

void check_document_size(const Descriptor& d, const std::string& what) {
  if (d.size > store::kMaxManifestBytes)
    throw Error(what + " " + d.digest + " is " + std::to_string(d.size) + " bytes; mini refuses more than " +
                std::to_string(store::kMaxManifestBytes));
}

// The tag or digest the reference asks for, as the manifest URL needs it.
std::string manifest_reference(const Reference& ref) { return ref.digest.empty() ? ref.tag : ref.digest; }

Fetched fetch_top_manifest(RegistryClient& client, HttpClient& http, const Reference& ref, Document& document) {
  document =
      client.fetch_manifest(http, ref.path, manifest_reference(ref), std::max(budget::kIndex, budget::kManifest));
  std::string digest = store::sha256_digest(document.body);
  if (!ref.digest.empty() && digest != ref.digest)
    throw Error("the registry's manifest for " + ref.familiar() + " hashes to " + digest +
                ", not the digest asked for");
  if (ref.digest.empty() && !document.digest_header.empty() && document.digest_header != digest)
    throw Error("the registry's manifest for " + ref.familiar() + " hashes to " + digest +
                ", but its Docker-Content-Digest says " + document.digest_header);
  return {digest, document.body};
}

// An index states platforms itself; a lone manifest only says in its config.
void check_config_platform(const Platform& have, const Platform& want, bool explicit_platform, Progress& progress) {
  if (have.os.empty() || have.architecture.empty() || have == want) return;
  if (explicit_platform)
    throw Error("the image is for " + shown(have.str(), 100) + ", not the requested platform " + want.str());
  progress.line("WARNING: The requested image's platform (" + shown(have.str(), 100) +
                ") does not match the detected host platform (" + want.str() +
                ") and no specific platform was requested");
}

Resolved resolve(RegistryClient& client, HttpClient& http, const Reference& ref, const Platform& want,
                 bool explicit_platform, const store::ContentStore& blobs, Progress& progress) {
  Resolved out;
  Document document;
  Fetched top = fetch_top_manifest(client, http, ref, document);
  out.repo_digest = top.digest;
  out.manifest_digest = top.digest;
  std::string what = "the manifest for " + ref.familiar();
  // Captive portals and proxies answer with a web page; say so.
  if (!document.content_type.empty() && document.content_type.find("json") == std::string::npos)
    what += " (the registry sent " + shown(document.content_type.substr(0, document.content_type.find(';')), 100) +
            ")";
  nlohmann::json manifest = parse_json(top.body, what);
  out.documents.push_back(std::move(top));
  bool from_index = detect_manifest_kind(document.content_type, manifest) == ManifestKind::Index;
  if (from_index) {
    Descriptor chosen = select_manifest(manifest, want);
    check_document_size(chosen, "the manifest for " + want.str());
    document = client.fetch_manifest(http, ref.path, chosen.digest, budget::kManifest);
    verify(document.body, chosen, "the manifest for " + want.str());
    manifest = parse_json(document.body, "the manifest for " + want.str());
    if (detect_manifest_kind(document.content_type, manifest) != ManifestKind::Image)
      throw Error("the index entry for " + want.str() + " is another index; mini does not follow nested indexes");
    // The index said what it points at; the document must agree.
    std::string declared = manifest.value("mediaType", "");
    if (!chosen.media_type.empty() && !declared.empty() && chosen.media_type != declared)
      throw Error("the index lists the manifest for " + want.str() + " as " + shown(chosen.media_type, 100) +
                  ", but the document says it is " + declared + "; refusing it");
    out.manifest_digest = chosen.digest;
    out.documents.push_back({chosen.digest, document.body});
  }
  out.manifest = parse_image_manifest(manifest);
  // Before anything else is fetched: the count alone can make a pull
  // unbounded in requests, and more than overlay can stack.
  const int max_layers = client.config().max_layers;
  if (out.manifest.layers.size() > static_cast<size_t>(max_layers))
    throw Error("the image has " + std::to_string(out.manifest.layers.size()) + " layers, more than the " +
                std::to_string(max_layers) +
                " mini pulls; raise \"max-image-layers\" in mini's config file if you trust this image");

  const Descriptor& config_blob = out.manifest.config;
  check_document_size(config_blob, "the image config");
  std::string config_body =
      blobs.has(config_blob.digest)
          ? blobs.read(config_blob.digest, budget::kConfig)
          : client.fetch_small_blob(http, ref.path, config_blob.digest, budget::kConfig).body;
  verify(config_body, config_blob, "the image config");
  ImageConfigInfo config = parse_image_config(parse_json(config_body, "the image config"), out.manifest.layers.size());
  out.diff_ids = std::move(config.diff_ids);
  if (!from_index) check_config_platform(config.platform, want, explicit_platform, progress);
  out.documents.push_back({config_blob.digest, std::move(config_body)});
  return out;
}

std::string url_host(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  return rest.substr(0, rest.find('/'));
}

std::vector<Endpoint> endpoints_for(const Reference& ref, const RegistryConfig& config) {
  std::vector<Endpoint> endpoints;
  if (ref.domain == "docker.io") {
    for (const auto& mirror : config.mirrors) {
      std::string host = url_host(mirror);
      endpoints.push_back({mirror, host, is_insecure_registry(config, host), true});
    }
  }
  endpoints.push_back(registry_endpoint(ref.domain, config));
  return endpoints;
}

struct Session {
  std::unique_ptr<RegistryClient> client;
  Resolved resolved;
};

bool is_transport(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const TransportError&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::string message(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  }
}

// Mirrors first, then the registry itself. When all fail, the registry's
// error is the one to show, unless it only says "unreachable" while a
// mirror actually answered: then the mirror's answer says more. When
// nothing could be reached, every endpoint is named.
Session connect(const Reference& ref, const RegistryConfig& config, HttpClient& http, const Platform& want,
                bool explicit_platform, const store::ContentStore& blobs, Progress& progress) {
  nlohmann::json docker_config = read_docker_config(docker_config_path());
  std::vector<std::exception_ptr> errors;
  for (const Endpoint& endpoint : endpoints_for(ref, config)) {
    auto client = std::make_unique<RegistryClient>(endpoint, config, find_credentials(docker_config, endpoint.host));
    try {
      client->ping(http);
      Resolved resolved = resolve(*client, http, ref, want, explicit_platform, blobs, progress);
      return {std::move(client), std::move(resolved)};
    } catch (const Error&) {
      errors.push_back(std::current_exception());
    }
  }
  if (!is_transport(errors.back())) std::rethrow_exception(errors.back());
  for (const auto& error : errors)
    if (!is_transport(error)) std::rethrow_exception(error);
  std::string all;
  for (const auto& error : errors) all += (all.empty() ? "" : "; ") + message(error);
  throw Error(all);
}

std::vector<LayerJob> layer_jobs(const Resolved& resolved, const store::ContentStore& blobs) {
  std::vector<LayerJob> jobs;
  for (size_t i = 0; i < resolved.manifest.layers.size(); ++i) {
    const Descriptor& blob = resolved.manifest.layers[i];
    bool listed =
        std::any_of(jobs.begin(), jobs.end(), [&](const LayerJob& j) { return j.blob.digest == blob.digest; });
    if (!listed) jobs.push_back({blob, resolved.diff_ids[i], short_id(blob.digest), blobs.has(blob.digest)});
  }
  return jobs;
}

struct LayerContext {
  RegistryClient& client;
  PullBudget& budget;
  const PullStores& stores;
  const std::string& repository;
  Progress& progress;
  std::atomic<bool>& cancelled;
};

// Under a per-blob lock, so a concurrent mini pulling the same layer waits
// for this download instead of making its own.
void download_layer(const LayerContext& ctx, HttpClient& http, const LayerJob& job) {
  std::filesystem::path lock_path =
      ctx.stores.blobs.layout().locks() / ("blob-" + store::digest_hex(job.blob.digest) + ".lock");
  fsutil::FileLock lock(lock_path);
  if (!ctx.stores.blobs.has(job.blob.digest)) {
    auto ingest = ctx.stores.blobs.begin_ingest();
    BlobDownload download{
        ctx.repository, job.blob, [&](uint64_t held, uint64_t total) { ctx.progress.bytes(job.id, held, total); },
        [&](const std::string& reason) { ctx.progress.status(job.id, "Retrying: " + reason); }, &ctx.cancelled};
    ctx.progress.status(job.id, "Downloading");
    download_blob(ctx.client, http, download, *ingest);
    ctx.progress.status(job.id, "Verifying Checksum");
    ctx.stores.blobs.commit(std::move(ingest), {job.blob.digest, job.blob.size});
  }
  ctx.progress.status(job.id, "Download complete");
}

void pull_layer(const LayerContext& ctx, HttpClient& http, const LayerJob& job) {
  try {
    if (!job.present) download_layer(ctx, http, job);
    if (!job.present) ctx.progress.status(job.id, "Extracting");
    ctx.stores.layers.ensure(ctx.stores.blobs, job.blob.digest, job.diff_id);
    if (!job.present) ctx.progress.status(job.id, "Pull complete");
  } catch (const Error& e) {
    throw Error("layer " + job.blob.digest + ": " + e.what());
  }
}

void pull_layers(const LayerContext& ctx, const std::vector<LayerJob>& jobs, int concurrency) {
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::exception_ptr first_error;
  auto worker = [&] {
    try {
      HttpClient http(ctx.client.config().timeouts, &ctx.budget);
      for (size_t i; !ctx.cancelled && (i = next++) < jobs.size();) pull_layer(ctx, http, jobs[i]);
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!ctx.cancelled.exchange(true)) first_error = std::current_exception();
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
void check_room(const std::vector<LayerJob>& jobs, const RegistryConfig& config, const store::ContentStore& blobs) {
  uint64_t needed = 0;
  for (const auto& job : jobs)
    if (!job.present) needed = job.blob.size > UINT64_MAX - needed ? UINT64_MAX : needed + job.blob.size;
  if (config.max_pull_bytes != 0 && needed > config.max_pull_bytes)
    throw Error("the image's layers are " + binary_bytes(needed) + ", more than the " +
                binary_bytes(config.max_pull_bytes) +
                " one pull may receive; raise \"max-pull-size\" in mini's config file if you trust this image");
  struct statvfs fs {};
  if (::statvfs(blobs.layout().ingest().c_str(), &fs) == 0) {
    uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (needed > free)
      throw Error("the image's layers are " + binary_bytes(needed) + ", more than the " +
                  binary_bytes(free) + " free in the store; free some space (mini system prune) first");
  }
}

}  // namespace

store::ImageRecord pull_image(const PullStores& stores, const Reference& ref, const PullOptions& options) {
  const RegistryConfig& config = options.config;
  store::sweep_abandoned_ingests(stores.blobs.layout());
  Progress progress(options.out, Progress::mode_for(options.out, options.quiet));
  Platform want = options.platform.value_or(host_platform());
  PullBudget budget(config.max_pull_bytes);
  HttpClient http(config.timeouts, &budget);
  Session session = connect(ref, config, http, want, options.platform.has_value(), stores.blobs, progress);
  const Resolved& resolved = session.resolved;

  progress.line(manifest_reference(ref) + ": Pulling from " + ref.path);
  std::vector<LayerJob> jobs = layer_jobs(resolved, stores.blobs);
  // A compressed layer bigger than the unpacked limit can only be refused
  // later; refusing it now saves downloading it.
  if (uint64_t limit = stores.layers.max_bytes())
    for (const auto& job : jobs)
      if (!job.present && job.blob.size > limit)
        throw Error("layer " + job.blob.digest + " is " + binary_bytes(job.blob.size) + ", more than the " +
                    binary_bytes(limit) + " a layer may take; " + store::kLayerLimitHint);
  check_room(jobs, config, stores.blobs);
  for (const auto& job : jobs) progress.status(job.id, job.present ? "Already exists" : "Pulling fs layer");
  std::atomic<bool> cancelled{false};
  int concurrency =
      options.max_concurrent_downloads > 0 ? options.max_concurrent_downloads : config.max_concurrent_downloads;
  pull_layers({*session.client, budget, stores, ref.path, progress, cancelled}, jobs, concurrency);

  // The manifests and config go in last: an interrupted pull leaves no
  // image documents pointing at layers that never arrived.
  for (const auto& doc : resolved.documents) stores.blobs.put(doc.body, {doc.digest, doc.body.size()});
  const std::string name = ref.full();
  auto previous = stores.images.find(name);
  bool current = previous && previous->manifest_digest == resolved.manifest_digest &&
                 previous->repo_digest == resolved.repo_digest;
  store::ImageRecord record =
      current ? *previous : store::ImageRecord{resolved.manifest_digest, resolved.repo_digest, store::now_rfc3339()};
  if (!current) stores.images.set(name, record);

  progress.line("Digest: " + resolved.repo_digest);
  progress.line(std::string("Status: ") + (current ? "Image is up to date for " : "Downloaded newer image for ") +
                ref.familiar());
  std::fprintf(options.out, "%s\n", name.c_str());
  std::fflush(options.out);
  return record;
}

}  // namespace mini::registry
