#pragma once
// A plain rootfs tarball on a web server (`mini pull https://.../x.tar.gz`):
// what the registry module knows of it is HTTP: its name, the sha256 a
// server publishes beside it, and fetching it, resumably, into a byte sink.
// Verifying and importing it is the engine's (engine/import_url.h).
#include <cstdint>
#include <string>
#include <string_view>

#include "registry/config.h"
#include "registry/http.h"
#include "registry/progress.h"
#include "store/content.h"

namespace mini::registry {

// http:// or https://: image references never contain "://".
bool is_tarball_url(std::string_view text);

// "NAME:TAG" from the file name: ".../alpine-minirootfs-3.20.3-x86_64.tar.gz"
// -> "alpine-minirootfs:3.20.3-x86_64"; without a "-<digit>" the tag is latest.
std::string image_name_from_url(std::string_view url);

// The last path component, without query or fragment.
std::string url_file_name(std::string_view url);

// The first word of a ".sha256" file, checked to be 64 hex digits and
// lower-cased; throws mini::Error otherwise.
std::string parse_sha256_file(std::string_view text, const std::string& origin);

// URL.sha256, as the server publishes it: `hex` when it answered with one;
// otherwise `problem` says what it answered instead ("URL.sha256 answered
// 404"). Throws mini::Error when it could not be asked or its answer is not
// a sha256 file.
struct PublishedSha256 {
  std::string hex;
  std::string problem;
};
PublishedSha256 fetch_published_sha256(HttpClient& http, const std::string& url);

struct UrlFetch {
  std::string url;
  uint64_t max_bytes = 0;  // 0: no limit
  std::string limit_hint;  // what to say past max_bytes
  std::string id;          // what progress events name it
};

// GETs fetch.url into `sink`, resuming with Range requests after a dropped
// or stalled connection. Throws mini::Error.
void fetch_url(HttpClient& http, const RegistryConfig& config, const UrlFetch& fetch, store::ByteSink& sink,
               ProgressSink& progress);

}  // namespace mini::registry
