#pragma once
// One registry endpoint (a registry, or a mirror of Docker Hub) spoken to
// through the distribution API: scheme fallback for insecure registries,
// authentication, retries of failed small requests.
#include <memory>
#include <optional>
#include <string>

#include "registry/auth.h"
#include "registry/config.h"
#include "registry/http.h"

namespace mini::registry {

struct Endpoint {
  std::string base_url;  // "https://registry-1.docker.io", "http://127.0.0.1:5000"
  // Whose credentials apply and what messages name: "docker.io", "127.0.0.1:5000".
  std::string host;
  bool insecure = false;  // plain HTTP and unverified TLS allowed
  bool mirror = false;
};

// A small document fetched whole (manifest, config).
struct Document {
  std::string body;
  std::string content_type;
  std::string digest_header;  // Docker-Content-Digest, when sent
};

class RegistryClient {
 public:
  RegistryClient(Endpoint endpoint, const RegistryConfig& config, std::optional<Credentials> credentials);

  const RegistryConfig& config() const { return config_; }

  // GET /v2/: settles the scheme (https, then http when insecure) and learns
  // the authentication challenge. Throws when the endpoint is no registry.
  void ping(HttpClient& http);
  // Checks the credentials as `mini login` must: a token (or Basic) that
  // GET /v2/ accepts. Throws RegistryError with the status on refusal.
  void verify_login(HttpClient& http);

  // One authorized GET of base_url + path for `repository` (pull scope); a
  // 401 is retried once with fresh authorization. No other retries.
  HttpResponse get(HttpClient& http, const std::string& repository, const std::string& path, HttpRequest request);

  // GET /v2/<repository>/manifests/<reference>, at most `max_bytes`,
  // retrying dropped connections and 5xx answers.
  Document fetch_manifest(HttpClient& http, const std::string& repository, const std::string& reference,
                          uint64_t max_bytes);
  // GET /v2/<repository>/blobs/<digest> for a small blob, likewise.
  Document fetch_small_blob(HttpClient& http, const std::string& repository, const std::string& digest,
                            uint64_t max_bytes);

  // Throws the error for an unexpected answer to a request about `what`.
  [[noreturn]] void fail(const HttpResponse& response, const std::string& what) const;

 private:
  Document fetch_document(HttpClient& http, const std::string& repository, const std::string& path,
                          const std::string& accept, uint64_t max_bytes, const std::string& what);
  HttpResponse ping_once(HttpClient& http);
  // Whether the answer came from the endpoint itself, not a redirect target.
  bool same_origin(const HttpResponse& response) const;

  Endpoint endpoint_;
  RegistryConfig config_;
  Authenticator auth_;
};

// The registry's own endpoint for a domain: Docker Hub's API host for
// docker.io, otherwise https://DOMAIN, insecure when the config says so.
Endpoint registry_endpoint(const std::string& domain, const RegistryConfig& config);

// "repository:<path>:pull", the scope pulls need.
std::string pull_scope(const std::string& repository);
// Sleeps before retry number `attempt` (1, 2, ...): 1s, 2s, 4s, ...
void backoff(int attempt);
// Whether a status is worth retrying: 5xx and 408.
bool retryable_status(long status);
// Retry-After in seconds (delta-seconds only; an HTTP date gives nullopt).
std::optional<long> retry_after_seconds(const HttpResponse& response);
// A server that asks for a longer pause than this is not waited for: the
// pull fails at once and says when to try again.
constexpr long kMaxRetryAfterSeconds = 30;

}  // namespace mini::registry
