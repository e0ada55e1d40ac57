#include "registry/client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "registry/display.h"
#include "registry/errors.h"
#include "registry/manifest.h"

namespace mini::registry {

namespace {

constexpr const char* kDockerHubApi = "https://registry-1.docker.io";
constexpr std::string_view kHttps = "https://";
constexpr std::string_view kHttp = "http://";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

Endpoint registry_endpoint(const std::string& domain, const RegistryConfig& config) {
  if (domain == "docker.io") return {kDockerHubApi, domain, false, false};
  return {"https://" + domain, domain, is_insecure_registry(config, domain), false};
}

std::string pull_scope(const std::string& repository) { return "repository:" + repository + ":pull"; }

void backoff(int attempt) { std::this_thread::sleep_for(std::chrono::seconds(1 << std::min(attempt - 1, 5))); }

bool retryable_status(long status) { return status >= 500 || status == 408; }

std::optional<long> retry_after_seconds(const HttpResponse& response) {
  std::string value = response.header("retry-after");
  if (value.empty() || value.size() > 9 || !std::all_of(value.begin(), value.end(), ::isdigit)) return std::nullopt;
  return std::stol(value);
}

RegistryClient::RegistryClient(Endpoint endpoint, const RegistryConfig& config, std::optional<Credentials> credentials)
    : endpoint_(std::move(endpoint)),
      config_(config),
      auth_(endpoint_.host, std::move(credentials), !endpoint_.insecure) {}

HttpResponse RegistryClient::ping_once(HttpClient& http) {
  // A mirror that doesn't answer is skipped at once: the registry is next.
  const int attempts = endpoint_.mirror ? 1 : config_.max_download_attempts;
  for (int attempt = 1;; ++attempt) {
    HttpRequest request;
    request.url = endpoint_.base_url + "/v2/";
    request.verify_tls = !endpoint_.insecure;
    try {
      HttpResponse response = http.get(request);
      if (!retryable_status(response.status) || attempt >= attempts) return response;
    } catch (const TransportError& e) {
      if (!e.retryable() || attempt >= attempts)
        throw TransportError(
            "can't reach " + std::string(endpoint_.mirror ? "mirror " : "registry ") + endpoint_.host + ": " + e.what(),
            e.retryable());
    }
    backoff(attempt);
  }
}

void RegistryClient::ping(HttpClient& http) {
  HttpResponse response;
  if (endpoint_.insecure && starts_with(endpoint_.base_url, kHttps) && !endpoint_.mirror) {
    // Docker's order for insecure registries: HTTPS without verification,
    // then plain HTTP. Whatever refuses one refuses the other, so no retries.
    HttpRequest request;
    request.url = endpoint_.base_url + "/v2/";
    request.verify_tls = false;
    try {
      response = http.get(request);
    } catch (const TransportError&) {
      endpoint_.base_url = std::string(kHttp) + endpoint_.base_url.substr(kHttps.size());
      response = ping_once(http);
    }
  } else {
    response = ping_once(http);
  }
  if (response.status == 401) {
    // Only the registry itself says where its credentials may go: a
    // redirect target naming a realm would be handed them.
    if (!same_origin(response))
      throw RegistryError("registry " + endpoint_.host + " redirected GET /v2/ to " +
                              shown(url_origin(response.url), 120) +
                              ", which asks for authentication; mini authenticates only with the registry itself",
                          401);
    auth_.set_challenges(parse_www_authenticate(response.header("www-authenticate")));
    if (!auth_.has_challenge())
      throw Error("registry " + endpoint_.host + " asks for an authentication scheme mini does not support (" +
                  shown(response.header("www-authenticate"), 120) + ")");
    return;
  }
  if (response.status == 200) return;
  if (response.status == 404)
    throw RegistryError(endpoint_.base_url + " is not a registry: GET /v2/ answered 404", 404);
  fail(response, "GET /v2/");
}

void RegistryClient::verify_login(HttpClient& http) {
  ping(http);
  HttpRequest request;
  request.url = endpoint_.base_url + "/v2/";
  request.verify_tls = !endpoint_.insecure;
  // No scope: the token server checks the credentials alone, as for docker login.
  request.authorization = auth_.authorization(http, "");
  HttpResponse response = http.get(request);
  if (response.status != 200) fail(response, "GET /v2/");
}

HttpResponse RegistryClient::get(HttpClient& http, const std::string& repository, const std::string& path,
                                 HttpRequest request) {
  const std::string scope = pull_scope(repository);
  request.url = endpoint_.base_url + path;
  request.verify_tls = !endpoint_.insecure;
  request.authorization = auth_.authorization(http, scope);
  HttpResponse response = http.get(request);
  // A 401 from a redirect target (blob storage) is that host's business:
  // its challenge must not send the registry's credentials anywhere.
  if (response.status != 401 || !same_origin(response)) return response;
  auto challenges = parse_www_authenticate(response.header("www-authenticate"));
  if (challenges.empty()) return response;
  // The token may have expired early, or the registry only now asks for auth.
  auth_.set_challenges(challenges);
  auth_.invalidate(scope);
  request.authorization = auth_.authorization(http, scope);
  return http.get(request);
}

Document RegistryClient::fetch_document(HttpClient& http, const std::string& repository, const std::string& path,
                                        const std::string& accept, uint64_t max_bytes, const std::string& what) {
  for (int attempt = 1;; ++attempt) {
    Document doc;
    HttpRequest request;
    request.deadline = std::chrono::seconds(config_.timeouts.request_seconds);
    if (!accept.empty()) request.headers.push_back(accept);
    request.on_headers = [&](const HttpResponse& response) {
      doc.content_type = response.header("content-type");
      doc.digest_header = response.header("docker-content-digest");
    };
    request.on_body = [&](std::string_view chunk) {
      if (doc.body.size() + chunk.size() > max_bytes)
        throw BudgetError(what + " is larger than " + std::to_string(max_bytes) + " bytes; refusing it");
      doc.body.append(chunk);
    };
    try {
      HttpResponse response = get(http, repository, path, request);
      if (response.status == 200) return doc;
      if (!retryable_status(response.status) || attempt >= config_.max_download_attempts) fail(response, what);
      // The server says how long it needs: waiting less is pointless, and
      // waiting minutes in a pull is worse than saying when to come back.
      if (auto wait = retry_after_seconds(response)) {
        if (*wait > kMaxRetryAfterSeconds) fail(response, what);
        std::this_thread::sleep_for(std::chrono::seconds(*wait));
        continue;
      }
    } catch (const TransportError& e) {
      if (!e.retryable() || attempt >= config_.max_download_attempts) throw;
    }
    backoff(attempt);
  }
}

Document RegistryClient::fetch_manifest(HttpClient& http, const std::string& repository, const std::string& reference,
                                        uint64_t max_bytes) {
  std::string separator = reference.find(':') == std::string::npos ? ":" : "@";
  return fetch_document(http, repository, "/v2/" + repository + "/manifests/" + reference, manifest_accept_header(),
                        max_bytes, "manifest for " + repository + separator + reference);
}

Document RegistryClient::fetch_small_blob(HttpClient& http, const std::string& repository, const std::string& digest,
                                          uint64_t max_bytes) {
  return fetch_document(http, repository, "/v2/" + repository + "/blobs/" + digest, "", max_bytes, "blob " + digest);
}

bool RegistryClient::same_origin(const HttpResponse& response) const {
  return url_origin(response.url) == url_origin(endpoint_.base_url);
}

void RegistryClient::fail(const HttpResponse& response, const std::string& what) const {
  if ((response.status == 401 || response.status == 403) && !same_origin(response))
    throw RegistryError("registry " + endpoint_.host + " redirected the request for " + what + " to " +
                            shown(url_origin(response.url), 120) + ", which answered " +
                            std::to_string(response.status) + "; mini sends no credentials there",
                        response.status);
  if (response.status == 401 || response.status == 403)
    throw_unauthorized(endpoint_.host, auth_.has_credentials(), response);
  if (response.status == 404) {
    std::string detail = registry_error_message(response.body);
    throw RegistryError(what + " not found on " + endpoint_.host + (detail.empty() ? "" : " (" + detail + ")"), 404);
  }
  throw_status(endpoint_.host, what, response);
}

}  // namespace mini::registry
