#include "engine/import_url.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "common/text.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "engine/pull_progress.h"
#include "engine/settings.h"
#include "registry/display.h"
#include "registry/http.h"
#include "registry/limits.h"
#include "registry/manifest.h"
#include "registry/reference.h"
#include "registry/tarball.h"
#include "store/digest.h"
#include "store/fs_tree.h"
#include "store/layer_limits.h"
#include "store/scratch.h"

namespace mini::engine {

namespace {

namespace fs = std::filesystem;

// The sha256 a server publishes beside the file. Without one nothing
// vouches for the download, so the pull stops unless the user said, in so
// many words, to import it unverified.
std::string published_sha256(registry::HttpClient& http, const std::string& url, bool insecure_no_verify,
                             Progress& progress) {
  std::string problem;
  try {
    registry::PublishedSha256 published = registry::fetch_published_sha256(http, url);
    if (!published.hex.empty()) return published.hex;
    problem = published.problem;
  } catch (const Error& e) {
    if (!insecure_no_verify) throw;
    problem = e.what();
  }
  if (!insecure_no_verify)
    throw Error(problem +
                ", so the download can't be verified; pass --sha256 HEX to check it, or --insecure-no-verify to "
                "import it unverified");
  progress.line("WARNING: " + problem + "; importing " + registry::shown(url) +
                " unverified, as --insecure-no-verify asks");
  return "";
}

// The downloaded file, hashed as it is written (a resumed download only
// ever appends, so the stream is the file).
class HashingFile final : public store::ByteSink {
 public:
  explicit HashingFile(const fs::path& path)
      : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) {
    if (!fd_) throw_errno("create " + path.string());
  }
  void write(std::string_view data) override {
    fsutil::write_all(fd_.get(), data);
    hash_.update(data.data(), data.size());
    size_ += data.size();
  }
  uint64_t size() const override { return size_; }
  std::string finish() {
    fd_.reset();
    return hash_.finish();
  }

 private:
  fs::path path_;
  fsutil::UniqueFd fd_;
  store::Sha256 hash_;
  uint64_t size_ = 0;
};

// A download waits in a scratch directory of ingest/ (store/scratch.h):
// locked while this mini works on it, so neither `system check` nor the
// sweep at the start of the import it feeds takes it for debris.
class DownloadScratch {
 public:
  explicit DownloadScratch(const store::Layout& layout)
      : dir_(layout.ingest() / ("download-" + fsutil::random_hex(8))), lock_(store::make_scratch_dir(layout, dir_)) {}
  ~DownloadScratch() {
    try {
      store::remove_tree(dir_);
    } catch (const std::exception&) {
      // Left for the next pull's sweep or `system check`.
    }
  }
  DownloadScratch(const DownloadScratch&) = delete;
  DownloadScratch& operator=(const DownloadScratch&) = delete;
  fs::path path() const { return dir_ / "rootfs.tar"; }

 private:
  fs::path dir_;
  fsutil::UniqueFd lock_;
};

registry::Reference name_for_url(const std::string& url) {
  try {
    return registry::parse_reference(registry::image_name_from_url(url));
  } catch (const Error&) {
    throw Error("can't make an image name from " + registry::shown(url) + "; give one with --name NAME[:TAG]");
  }
}

}  // namespace

store::ImportResult pull_url(Context& ctx, const UrlPullOptions& options) {
  registry::Reference ref =
      options.name.empty() ? name_for_url(options.url) : registry::parse_reference(options.name);
  if (!ref.digest.empty()) throw Error("the image name can't carry a digest; use --name NAME[:TAG]");
  std::string expected;
  if (!options.sha256.empty()) {
    if (!is_sha256_hex(options.sha256)) throw Error("--sha256 takes 64 hex digits");
    expected = ascii_lower(options.sha256);
  }
  const registry::RegistryConfig config = registry_settings(ctx.config().registry);
  Progress progress(options.out, Progress::mode_for(options.out, options.quiet));
  DockerProgressSink sink(progress);
  registry::PullBudget budget(config.max_pull_bytes);
  registry::HttpClient http(config.timeouts, &budget);
  if (expected.empty()) expected = published_sha256(http, options.url, options.insecure_no_verify, progress);
  // The tarball becomes one layer: the layer limit bounds it as it bounds
  // a registry's layer, before it can fill the store's disk.
  uint64_t max_bytes = ctx.layers().max_bytes();
  if (config.max_pull_bytes != 0)
    max_bytes = max_bytes == 0 ? config.max_pull_bytes : std::min(max_bytes, config.max_pull_bytes);

  registry::UrlFetch fetch;
  fetch.url = options.url;
  fetch.max_bytes = max_bytes;
  fetch.limit_hint = "more than a layer may take; " + std::string(store::kLayerLimitHint);
  fetch.id = registry::url_file_name(options.url);
  DownloadScratch scratch(ctx.layout());
  std::string digest;
  {
    HashingFile file(scratch.path());
    sink.downloading(fetch.id);
    registry::fetch_url(http, config, fetch, file, sink);
    sink.verifying(fetch.id);
    digest = file.finish();
  }
  if (!expected.empty() && digest != "sha256:" + expected)
    throw Error(registry::shown(options.url) + " does not match its sha256: expected sha256:" + expected + ", got " +
                digest);
  sink.downloaded(fetch.id);

  progress.status(fetch.id, "Extracting");
  store::ImportRequest request{scratch.path(), ref.full(), {}, registry::host_platform().architecture};
  store::ImportResult result = store::import_tarball(ctx.blobs(), ctx.layers(), ctx.images(), request);
  progress.status(fetch.id, "Pull complete");
  progress.line("Digest: " + digest);
  progress.line("Status: Downloaded newer image for " + ref.familiar());
  std::fprintf(options.out, "%s\n", ref.full().c_str());
  std::fflush(options.out);
  return result;
}

}  // namespace mini::engine
