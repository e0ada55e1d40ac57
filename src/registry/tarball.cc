#include "registry/tarball.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "common/fs_util.h"
#include "registry/client.h"
#include "registry/config.h"
#include "registry/display.h"
#include "registry/download.h"
#include "registry/limits.h"
#include "registry/manifest.h"
#include "registry/progress.h"
#include "registry/reference.h"
#include "store/digest.h"
#include "store/fs_tree.h"
#include "store/layer_limits.h"
#include "store/layer_store.h"
#include "store/scratch.h"

namespace mini::registry {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExtensions[] = {".tar.gz", ".tgz",     ".tar.xz",   ".txz",  ".tar.bz2",
                                            ".tbz2",   ".tar.zst", ".tar.zstd", ".tzst", ".tar"};

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string file_name(std::string_view url) {
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  return std::string(path.substr(path.rfind('/') + 1));
}

// Keeps what the reference grammar allows, turning the rest into `replacement`.
std::string sanitize(std::string_view text, bool (*allowed)(unsigned char), char replacement) {
  std::string out;
  for (unsigned char c : text) out.push_back(allowed(c) ? static_cast<char>(c) : replacement);
  return out;
}

bool name_char(unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '.' || c == '_' || c == '-'; }
bool tag_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; }

std::string trim_separators(std::string s) {
  auto separator = [](char c) { return c == '.' || c == '_' || c == '-'; };
  while (!s.empty() && separator(s.front())) s.erase(s.begin());
  while (!s.empty() && separator(s.back())) s.pop_back();
  return s;
}

// The sha256 a server publishes beside the file. Without one nothing
// vouches for the download, so the pull stops unless the user said, in so
// many words, to import it unverified.
std::string published_sha256(HttpClient& http, const std::string& url, bool insecure_no_verify, Progress& progress) {
  std::string sums_url = url + ".sha256";
  HttpRequest request;
  request.url = sums_url;
  request.max_body_bytes = budget::kSha256File;
  std::string problem;
  try {
    HttpResponse response = http.get(request);
    if (response.status == 200) return parse_sha256_file(response.body, shown(sums_url));
    problem = shown(sums_url) + " answered " + std::to_string(response.status);
  } catch (const Error& e) {
    if (!insecure_no_verify) throw;
    problem = e.what();
  }
  if (!insecure_no_verify)
    throw Error(problem +
                ", so the download can't be verified; pass --sha256 HEX to check it, or --insecure-no-verify to "
                "import it unverified");
  progress.line("WARNING: " + problem + "; importing " + shown(url) + " unverified, as --insecure-no-verify asks");
  return "";
}

void download_file(HttpClient& http, const RegistryConfig& config, uint64_t max_bytes, const std::string& url, int fd,
                   Progress& progress, const std::string& id) {
  uint64_t written = 0;
  ResumableGet get;
  get.what = shown(url);
  get.attempts = config.max_download_attempts;
  get.timeouts = config.timeouts;
  // The tarball becomes one layer: the layer limit bounds it as it bounds
  // a registry's layer, before it can fill the store's disk.
  if (max_bytes != 0) {
    get.max_bytes = max_bytes;
    get.limit_hint = "more than a layer may take; " + std::string(store::kLayerLimitHint);
  }
  get.send = [&](HttpRequest& request) {
    request.url = url;
    return http.get(request);
  };
  get.held = [&] { return written; };
  get.write = [&](std::string_view chunk) {
    fsutil::write_all(fd, chunk);
    written += chunk.size();
  };
  get.fail = [&](const HttpResponse& response) {
    throw Error(shown(url) + " answered " + std::to_string(response.status));
  };
  get.on_bytes = [&](uint64_t held, uint64_t total) { progress.bytes(id, held, total); };
  get.on_retry = [&](const std::string& reason) { progress.status(id, "Retrying: " + reason); };
  run_resumable(get);
}

std::string file_sha256(const fs::path& path) {
  fsutil::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path.string());
  store::Sha256 hash;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read " + path.string());
    if (n == 0) break;
    hash.update(buf, static_cast<size_t>(n));
  }
  return hash.finish();
}

// The downloaded file lives in the store's ingest directory until imported.
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

Reference name_for_url(const std::string& url) {
  try {
    return parse_reference(image_name_from_url(url));
  } catch (const Error&) {
    throw Error("can't make an image name from " + shown(url) + "; give one with --name NAME[:TAG]");
  }
}

}  // namespace

bool is_tarball_url(std::string_view text) {
  std::string start = lower(text.substr(0, 8));
  return start.rfind("http://", 0) == 0 || start.rfind("https://", 0) == 0;
}

std::string image_name_from_url(std::string_view url) {
  std::string base = lower(file_name(url));
  for (std::string_view ext : kExtensions) {
    if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0) {
      base.resize(base.size() - ext.size());
      break;
    }
  }
  std::string name = base, tag = "latest";
  for (size_t i = 0; i + 1 < base.size(); ++i) {
    if (base[i] == '-' && std::isdigit(static_cast<unsigned char>(base[i + 1]))) {
      name = base.substr(0, i);
      tag = base.substr(i + 1);
      break;
    }
  }
  name = trim_separators(sanitize(name, name_char, '-'));
  tag = sanitize(tag, tag_char, '_').substr(0, 128);
  return (name.empty() ? "image" : name) + ":" + (tag.empty() ? "latest" : tag);
}

std::string parse_sha256_file(std::string_view text, const std::string& origin) {
  size_t start = text.find_first_not_of(" \t\r\n");
  std::string_view word = start == std::string_view::npos ? std::string_view() : text.substr(start);
  word = word.substr(0, word.find_first_of(" \t\r\n"));
  if (!is_hex64(word)) throw Error(origin + " does not start with a sha256 (64 hex digits)");
  return lower(word);
}

store::ImportResult pull_tarball(store::ContentStore& blobs, store::LayerStore& layers, store::ImageIndex& images,
                                 const TarballPullOptions& options) {
  Reference ref = options.name.empty() ? name_for_url(options.url) : parse_reference(options.name);
  if (!ref.digest.empty()) throw Error("the image name can't carry a digest; use --name NAME[:TAG]");
  std::string expected;
  if (!options.sha256.empty()) {
    if (!is_hex64(options.sha256)) throw Error("--sha256 takes 64 hex digits");
    expected = lower(options.sha256);
  }
  const RegistryConfig& config = options.config;
  Progress progress(options.out, Progress::mode_for(options.out, options.quiet));
  PullBudget budget(config.max_pull_bytes);
  HttpClient http(config.timeouts, &budget);
  if (expected.empty()) expected = published_sha256(http, options.url, options.insecure_no_verify, progress);
  uint64_t max_bytes = layers.max_bytes();
  if (config.max_pull_bytes != 0)
    max_bytes = max_bytes == 0 ? config.max_pull_bytes : std::min(max_bytes, config.max_pull_bytes);

  const std::string id = file_name(options.url);
  DownloadScratch file(blobs.layout());
  {
    fsutil::UniqueFd fd(::open(file.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) throw_errno("create " + file.path().string());
    progress.status(id, "Downloading");
    download_file(http, config, max_bytes, options.url, fd.get(), progress, id);
  }
  progress.status(id, "Verifying Checksum");
  std::string digest = file_sha256(file.path());
  if (!expected.empty() && digest != "sha256:" + expected)
    throw Error(shown(options.url) + " does not match its sha256: expected sha256:" + expected + ", got " + digest);
  progress.status(id, "Download complete");

  progress.status(id, "Extracting");
  store::ImportRequest request{file.path(), ref.full(), {}, host_platform().architecture};
  store::ImportResult result = store::import_tarball(blobs, layers, images, request);
  progress.status(id, "Pull complete");
  progress.line("Digest: " + digest);
  progress.line("Status: Downloaded newer image for " + ref.familiar());
  std::fprintf(options.out, "%s\n", ref.full().c_str());
  std::fflush(options.out);
  return result;
}

}  // namespace mini::registry
