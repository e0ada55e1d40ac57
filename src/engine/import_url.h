#pragma once
// `mini pull https://.../alpine-minirootfs-3.20.3-x86_64.tar.gz`: a plain
// rootfs tarball from a web server, checked against its published sha256
// and imported as a one-layer image. Nothing unverified enters the store
// unless --insecure-no-verify says so. The registry module fetches it; this
// verifies, imports, tags and prints.
#include <cstdio>
#include <string>

#include "engine/context.h"
#include "store/import.h"

namespace mini::engine {

struct UrlPullOptions {
  std::string url;
  std::string sha256;               // hex; empty: fetch url + ".sha256", and refuse without one
  bool insecure_no_verify = false;  // import even when neither says what the tarball must hash to
  std::string name;                 // normalized reference; empty: from the URL's file name
  bool quiet = false;
  std::FILE* out = stdout;
};

// Timeouts, attempts and budgets come from ctx's config; the download is
// bounded by the layer size limit as a registry's layer is. Throws
// mini::Error and leaves neither a blob nor a tag behind on failure.
store::ImportResult pull_url(Context& ctx, const UrlPullOptions& options);

}  // namespace mini::engine
