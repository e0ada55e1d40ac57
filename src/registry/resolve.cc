#include "registry/resolve.h"

#include <algorithm>
#include <exception>

#include "common/error.h"
#include "registry/credentials.h"
#include "registry/display.h"
#include "registry/limits.h"
#include "store/digest.h"

namespace mini::registry {

namespace {

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

// Manifests, indexes and configs are held in memory whole.
void check_document_size(const Descriptor& d, const std::string& what) {
  constexpr uint64_t kMaxDocumentBytes = std::max({budget::kManifest, budget::kIndex, budget::kConfig});
  if (d.size > kMaxDocumentBytes)
    throw Error(what + " " + d.digest + " is " + std::to_string(d.size) + " bytes; mini refuses more than " +
                std::to_string(kMaxDocumentBytes));
}

FetchedDocument fetch_top_manifest(RegistryClient& client, HttpClient& http, const Reference& ref,
                                   Document& document) {
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

Resolved resolve(RegistryClient& client, HttpClient& http, const ResolveRequest& request,
                 const store::Provider& blobs) {
  const Reference& ref = request.ref;
  const Platform& want = request.want;
  Resolved out;
  Document document;
  FetchedDocument top = fetch_top_manifest(client, http, ref, document);
  out.repo_digest = top.digest;
  out.manifest_digest = top.digest;
  std::string what = "the manifest for " + ref.familiar();
  // Captive portals and proxies answer with a web page; say so.
  if (!document.content_type.empty() && document.content_type.find("json") == std::string::npos)
    what += " (the registry sent " + shown(document.content_type.substr(0, document.content_type.find(';')), 100) +
            ")";
  nlohmann::json manifest = parse_json(top.body, what);
  out.documents.push_back(std::move(top));
  out.from_index = detect_manifest_kind(document.content_type, manifest) == ManifestKind::Index;
  if (out.from_index) {
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
      blobs.info(config_blob.digest)
          ? blobs.read(config_blob.digest, budget::kConfig)
          : client.fetch_small_blob(http, ref.path, config_blob.digest, budget::kConfig).body;
  verify(config_body, config_blob, "the image config");
  out.config = parse_json(config_body, "the image config");
  out.documents.push_back({config_blob.digest, std::move(config_body)});
  if (request.accept) request.accept(out);
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

}  // namespace

std::string manifest_reference(const Reference& ref) { return ref.digest.empty() ? ref.tag : ref.digest; }

// When all endpoints fail, the registry's error is the one to show, unless
// it only says "unreachable" while a mirror actually answered: then the
// mirror's answer says more. When nothing could be reached, every endpoint
// is named.
Session resolve_image(const ResolveRequest& request, const RegistryConfig& config, HttpClient& http,
                      const store::Provider& blobs) {
  nlohmann::json docker_config = read_docker_config(docker_config_path());
  std::vector<std::exception_ptr> errors;
  for (const Endpoint& endpoint : endpoints_for(request.ref, config)) {
    auto client = std::make_unique<RegistryClient>(endpoint, config, find_credentials(docker_config, endpoint.host));
    try {
      client->ping(http);
      Resolved resolved = resolve(*client, http, request, blobs);
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

}  // namespace mini::registry
