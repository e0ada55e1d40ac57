#pragma once
// Registries for the pull tests, all on 127.0.0.1: Debian's docker-registry
// started per test (optionally behind token auth served by TokenServer), and
// FakeRegistry, which serves one image from an OCI layout and misbehaves on
// request.
#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/harness.h"
#include "lib/http_server.h"

namespace mini::test {

struct TokenAuthConfig {
  std::string realm;
  std::string service;
  std::string issuer;
  fs::path root_cert;
};

// docker-registry serving from `dir`/data on a free port.
class LocalRegistry {
 public:
  LocalRegistry(const fs::path& dir, const std::optional<TokenAuthConfig>& auth = std::nullopt);
  ~LocalRegistry();
  LocalRegistry(const LocalRegistry&) = delete;
  LocalRegistry& operator=(const LocalRegistry&) = delete;

  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// Issues RS256 JWTs (x5c header, self-signed certificate made with the
// openssl CLI) the way a Docker token server does. Users in `users` get
// every action they ask for; anonymous requests get pull on repositories
// starting with `public_prefix`; a wrong password gets 401.
class TokenServer {
 public:
  TokenServer(const fs::path& dir, std::map<std::string, std::string> users, std::string public_prefix);
  ~TokenServer();
  TokenAuthConfig config() const;

 private:
  std::string sign(const std::string& signing_input) const;
  std::string token_for(const std::string& subject, const std::vector<std::string>& scopes, bool authenticated) const;

  fs::path cert_;
  void* key_ = nullptr;  // EVP_PKEY
  std::string cert_der_;
  std::map<std::string, std::string> users_;
  std::string public_prefix_;
  std::unique_ptr<TestHttpServer> server_;
};

// Serves the single image of an OCI layout as REPOSITORY:TAG.
class FakeRegistry {
 public:
  FakeRegistry(const fs::path& layout, std::string repository, std::string tag);
  std::string host() const { return server_->host(); }
  std::string manifest_digest() const { return manifest_digest_; }

  std::atomic<bool> corrupt_layers{false};         // flip a byte in the middle of every layer
  std::atomic<bool> cut_first_layer_get{false};    // half a layer, then the connection drops
  std::atomic<bool> stall_first_layer_get{false};  // half a layer, then 4 seconds of silence
  std::atomic<bool> server_error_first{false};     // 500 to the first manifest request
  std::atomic<bool> too_many_requests{false};      // 429 with Retry-After to manifests
  std::atomic<bool> redirect_blobs{false};         // 307 to http://localhost:PORT/storage/...
  std::atomic<bool> schema1{false};                // answer manifests as Docker schema1
  std::atomic<int> throttle_ms{0};                 // pause between 64 KiB pieces of a layer
  std::string basic_auth;                          // "user:pass" required on /v2/, when set
  // Faults that don't go away on retry (issue 6's list of broken registries).
  std::atomic<bool> wrong_digest_header{false};    // Docker-Content-Digest names another manifest
  std::atomic<bool> corrupt_config{false};         // the config blob's content doesn't match its digest
  std::atomic<bool> oversized_layers{false};       // 4096 bytes more than the descriptor's size
  std::atomic<bool> truncate_layers{false};        // every layer answer ends halfway, range requests too
  std::atomic<bool> stall_layers{false};           // every layer answer stalls halfway for 4 seconds
  std::atomic<bool> cut_manifests{false};          // half a manifest, then the connection closes
  std::atomic<bool> bad_json_manifest{false};      // a manifest that isn't JSON, with an OCI media type
  std::atomic<bool> html_manifest{false};          // text/html instead of a manifest, as captive portals do
  std::atomic<bool> not_an_image{false};           // a manifest whose config is a Helm chart's
  std::atomic<bool> huge_manifest{false};          // a 5 MiB manifest
  std::atomic<bool> redirect_loop{false};          // blob requests redirect to themselves
  std::atomic<bool> service_unavailable{false};    // 503 with Retry-After to manifests
  // Bearer token auth: /v2/ asks for a token from /token; requests must
  // carry it. With reject_tokens_for_blobs, blob requests are refused with
  // 401 even with a fresh token (a token server and registry that disagree).
  std::atomic<bool> bearer_auth{false};
  std::atomic<bool> reject_tokens_for_blobs{false};

  std::atomic<int> tokens_issued{0};
  std::atomic<int> manifest_gets{0};

  std::atomic<int> full_layer_gets{0};       // layer GETs without a Range
  std::atomic<int> range_layer_gets{0};      // layer GETs with one
  std::atomic<int> redirected_gets{0};       // requests that followed a redirect
  std::atomic<int> leaked_authorization{0};  // of those, the ones that carried Authorization

 private:
  void handle(const ServerRequest& request, ServerReply& reply);
  void serve_blob(const std::string& digest, const ServerRequest& request, ServerReply& reply);

  fs::path blobs_;
  std::string repository_, tag_;
  std::string manifest_digest_, manifest_type_;
  std::vector<std::string> layers_;
  std::atomic<bool> cut_done_{false}, error_done_{false};
  std::unique_ptr<TestHttpServer> server_;
};

// skopeo copy with the given arguments (--insecure-policy added).
Result skopeo(const std::vector<std::string>& args);
// The org.opencontainers.image.ref.name of a layout's first index entry.
std::string layout_ref(const fs::path& layout);
// An OCI layout at `dir` whose "multi" index lists the amd64 and arm64
// busybox manifests of `images` with their platforms.
void make_multiarch_layout(const fs::path& images, const fs::path& dir);
// The amd64 musl busybox re-compressed with zstd, as an OCI layout at `dir`.
Result make_zstd_layout(const fs::path& images, const fs::path& dir);
// Pushes `layout` to docker://HOST/NAME, with `extra` skopeo flags.
Result push(const fs::path& layout, const std::string& destination, const std::vector<std::string>& extra = {});

}  // namespace mini::test
