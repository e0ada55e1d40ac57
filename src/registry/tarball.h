#pragma once
// `mini pull https://.../alpine-minirootfs-3.20.3-x86_64.tar.gz`: a plain
// rootfs tarball from a web server, checked against its published sha256
// and imported as a one-layer image. Nothing unverified enters the store
// unless --insecure-no-verify says so.
#include <cstdio>
#include <string>
#include <string_view>

#include "registry/config.h"
#include "store/import.h"

namespace mini::registry {

// http:// or https://: image references never contain "://".
bool is_tarball_url(std::string_view text);

// "NAME:TAG" from the file name: ".../alpine-minirootfs-3.20.3-x86_64.tar.gz"
// -> "alpine-minirootfs:3.20.3-x86_64"; without a "-<digit>" the tag is latest.
std::string image_name_from_url(std::string_view url);

// The first word of a ".sha256" file, checked to be 64 hex digits and
// lower-cased; throws mini::Error otherwise.
std::string parse_sha256_file(std::string_view text, const std::string& origin);

struct TarballPullOptions {
  std::string url;
  std::string sha256;       // hex; empty: fetch url + ".sha256", and refuse without one
  bool insecure_no_verify = false;  // import even when neither says what the tarball must hash to
  std::string name;         // normalized reference; empty: image_name_from_url
  RegistryConfig config;    // for timeouts, attempts and budgets
  bool quiet = false;
  std::FILE* out = stdout;
};

store::ImportResult pull_tarball(store::ContentStore& blobs, store::LayerStore& layers, store::ImageIndex& images,
                                 const TarballPullOptions& options);

}  // namespace mini::registry
