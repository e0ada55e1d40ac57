#include "registry/tarball.h"

#include <algorithm>
#include <cctype>

#include "common/text.h"
#include "common/error.h"
#include "registry/config.h"
#include "registry/display.h"
#include "registry/download.h"
#include "registry/limits.h"

namespace mini::registry {

namespace {

constexpr std::string_view kExtensions[] = {".tar.gz", ".tgz",     ".tar.xz",   ".txz",  ".tar.bz2",
                                            ".tbz2",   ".tar.zst", ".tar.zstd", ".tzst", ".tar"};

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

}  // namespace

bool is_tarball_url(std::string_view text) {
  std::string start = ascii_lower(text.substr(0, 8));
  return start.rfind("http://", 0) == 0 || start.rfind("https://", 0) == 0;
}

std::string image_name_from_url(std::string_view url) {
  std::string base = ascii_lower(url_file_name(url));
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
  if (!is_sha256_hex(word)) throw Error(origin + " does not start with a sha256 (64 hex digits)");
  return ascii_lower(word);
}

std::string url_file_name(std::string_view url) {
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  return std::string(path.substr(path.rfind('/') + 1));
}

PublishedSha256 fetch_published_sha256(HttpClient& http, const std::string& url) {
  std::string sums_url = url + ".sha256";
  HttpRequest request;
  request.url = sums_url;
  request.max_body_bytes = budget::kSha256File;
  HttpResponse response = http.get(request);
  if (response.status == 200) return {parse_sha256_file(response.body, shown(sums_url)), ""};
  return {"", shown(sums_url) + " answered " + std::to_string(response.status)};
}

void fetch_url(HttpClient& http, const RegistryConfig& config, const UrlFetch& fetch, store::ByteSink& sink,
               ProgressSink& progress) {
  ResumableGet get;
  get.what = shown(fetch.url);
  get.attempts = config.max_download_attempts;
  get.timeouts = config.timeouts;
  if (fetch.max_bytes != 0) {
    get.max_bytes = fetch.max_bytes;
    get.limit_hint = fetch.limit_hint;
  }
  get.send = [&](HttpRequest& request) {
    request.url = fetch.url;
    return http.get(request);
  };
  get.held = [&] { return sink.size(); };
  get.write = [&](std::string_view chunk) { sink.write(chunk); };
  get.fail = [&](const HttpResponse& response) {
    throw Error(shown(fetch.url) + " answered " + std::to_string(response.status));
  };
  get.on_bytes = [&](uint64_t held, uint64_t total) { progress.bytes(fetch.id, held, total); };
  get.on_retry = [&](const std::string& reason) { progress.retrying(fetch.id, reason); };
  run_resumable(get);
}

}  // namespace mini::registry
